import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { scramClient, type ScramClient } from './scram';

/**
 * The smallest Postgres client that answers "can this password run a query here": protocol 3.0
 * startup, SCRAM-SHA-256 (or md5/cleartext/trust), the simple query protocol, text results.
 * No TLS: the agent only talks to 127.0.0.1 and to container addresses on the same host.
 */
export interface PgTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface PgQueryResult {
  columns: string[];
  /** Text values as Postgres sends them; null for SQL NULL. */
  rows: (string | null)[][];
  command: string;
}

/** A failure, with the server's SQLSTATE when the server said something. */
export class PgError extends Error {
  constructor(
    message: string,
    readonly sqlState?: string,
  ) {
    super(message);
    this.name = 'PgError';
  }
}

const PROTOCOL_3 = 196608;

/** Connects, authenticates, runs each statement in turn, and closes. */
export async function pgQuery(
  target: PgTarget,
  statements: string[],
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<PgQueryResult[]> {
  const session = await PgSession.open(target, options);
  try {
    const results: PgQueryResult[] = [];
    for (const sql of statements) results.push(await session.query(sql));
    return results;
  } finally {
    session.close();
  }
}

type Message = { type: string; body: Buffer };

class PgSession {
  private buffer = Buffer.alloc(0);
  private queue: Message[] = [];
  private waiter: ((m: Message | Error) => void) | undefined;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new PgError(`connection failed: ${err.message}`)));
    socket.on('close', () => this.fail(new PgError('the server closed the connection')));
  }

  static async open(
    target: PgTarget,
    options: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<PgSession> {
    const socket = connect({ host: target.host, port: target.port });
    const session = new PgSession(socket);
    const timer = setTimeout(
      () => session.fail(new PgError(`no answer within ${options.timeoutMs ?? 10_000} ms`)),
      options.timeoutMs ?? 10_000,
    );
    const onAbort = () => session.fail(new PgError('cancelled'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
        // A timeout or an abort destroys the socket before it connects: that ends the wait too.
        socket.once('close', () => reject(session.failure ?? new Error('closed')));
      }).catch((err: Error) => {
        if (err instanceof PgError) throw err;
        throw new PgError(`cannot connect to ${target.host}:${target.port}: ${err.message}`);
      });
      await session.startup(target);
      return session;
    } catch (err) {
      session.close();
      throw err;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async startup(target: PgTarget): Promise<void> {
    const params = Buffer.from(
      `user\0${target.user}\0database\0${target.database}\0application_name\0ultrabase-agent\0\0`,
    );
    const head = Buffer.alloc(8);
    head.writeUInt32BE(8 + params.length, 0);
    head.writeUInt32BE(PROTOCOL_3, 4);
    this.socket.write(Buffer.concat([head, params]));

    let scram: ScramClient | undefined;
    for (;;) {
      const m = await this.next();
      if (m.type === 'E') throw errorFrom(m.body);
      if (m.type === 'Z') return;
      if (m.type !== 'R') continue; // ParameterStatus, BackendKeyData, notices
      const kind = m.body.readUInt32BE(0);
      switch (kind) {
        case 0: // AuthenticationOk
          break;
        case 3: // cleartext
          this.send('p', cstring(target.password));
          break;
        case 5: {
          // md5(md5(password + user) + salt), hex, prefixed
          const inner = md5hex(target.password + target.user);
          const salted = md5hex(Buffer.concat([Buffer.from(inner), m.body.subarray(4, 8)]));
          this.send('p', cstring(`md5${salted}`));
          break;
        }
        case 10: {
          const mechanisms = m.body.subarray(4).toString('utf8').split('\0');
          if (!mechanisms.includes('SCRAM-SHA-256')) {
            throw new PgError(`the server offers no mechanism we speak (${mechanisms.join(' ')})`);
          }
          scram = scramClient(target.password);
          const first = Buffer.from(scram.first);
          const len = Buffer.alloc(4);
          len.writeInt32BE(first.length, 0);
          this.send('p', Buffer.concat([cstring('SCRAM-SHA-256'), len, first]));
          break;
        }
        case 11:
          if (!scram) throw new PgError('SASL continue without a SASL start');
          this.send('p', Buffer.from(await scram.final(m.body.subarray(4).toString('utf8'))));
          break;
        case 12:
          if (!scram) throw new PgError('SASL final without a SASL start');
          scram.verify(m.body.subarray(4).toString('utf8'));
          break;
        default:
          throw new PgError(`unsupported authentication method ${kind}`);
      }
    }
  }

  async query(sql: string): Promise<PgQueryResult> {
    this.send('Q', cstring(sql));
    const result: PgQueryResult = { columns: [], rows: [], command: '' };
    let error: PgError | undefined;
    for (;;) {
      const m = await this.next();
      if (m.type === 'T') result.columns = parseRowDescription(m.body);
      else if (m.type === 'D') result.rows.push(parseDataRow(m.body));
      else if (m.type === 'C') result.command = m.body.toString('utf8').replace(/\0$/, '');
      else if (m.type === 'E') error = errorFrom(m.body);
      else if (m.type === 'Z') {
        if (error) throw error;
        return result;
      }
    }
  }

  close(): void {
    if (!this.socket.destroyed && this.socket.writable) {
      const terminate = Buffer.from([0x58, 0, 0, 0, 4]);
      this.socket.end(terminate);
    }
    this.socket.destroy();
  }

  private send(type: string, body: Buffer): void {
    const head = Buffer.alloc(5);
    head.write(type, 0, 'latin1');
    head.writeUInt32BE(body.length + 4, 1);
    this.socket.write(Buffer.concat([head, body]));
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 5) {
      const length = this.buffer.readUInt32BE(1);
      if (length < 4 || length > 64 * 1024 * 1024) {
        this.fail(new PgError('the server sent a malformed message'));
        return;
      }
      if (this.buffer.length < 1 + length) return;
      const message = {
        type: String.fromCharCode(this.buffer[0]!),
        body: this.buffer.subarray(5, 1 + length),
      };
      this.buffer = this.buffer.subarray(1 + length);
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(message);
      } else this.queue.push(message);
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(this.failure);
    }
    this.socket.destroy();
  }

  private next(): Promise<Message> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = (m) => (m instanceof Error ? reject(m) : resolve(m));
    });
  }
}

function cstring(text: string): Buffer {
  return Buffer.from(`${text}\0`, 'utf8');
}

function md5hex(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

function errorFrom(body: Buffer): PgError {
  const fields = new Map<string, string>();
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const code = String.fromCharCode(body[offset]!);
    const end = body.indexOf(0, offset + 1);
    if (end < 0) break;
    fields.set(code, body.subarray(offset + 1, end).toString('utf8'));
    offset = end + 1;
  }
  const severity = fields.get('S') ?? 'ERROR';
  return new PgError(`${severity}: ${fields.get('M') ?? 'unknown error'}`, fields.get('C'));
}

function parseRowDescription(body: Buffer): string[] {
  const count = body.readUInt16BE(0);
  const names: string[] = [];
  let offset = 2;
  for (let i = 0; i < count; i++) {
    const end = body.indexOf(0, offset);
    names.push(body.subarray(offset, end).toString('utf8'));
    offset = end + 1 + 18; // table oid, column, type oid, size, modifier, format
  }
  return names;
}

function parseDataRow(body: Buffer): (string | null)[] {
  const count = body.readUInt16BE(0);
  const values: (string | null)[] = [];
  let offset = 2;
  for (let i = 0; i < count; i++) {
    const length = body.readInt32BE(offset);
    offset += 4;
    if (length < 0) values.push(null);
    else {
      values.push(body.subarray(offset, offset + length).toString('utf8'));
      offset += length;
    }
  }
  return values;
}
