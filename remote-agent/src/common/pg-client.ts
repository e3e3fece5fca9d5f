import { connect, type Socket } from 'node:net';
import { scramClient, type ScramClient } from './scram';

/**
 * The smallest Postgres client that logs in and runs simple queries: protocol 3.0 startup,
 * SCRAM-SHA-256 only, the simple query protocol, text results. Used by the agent's diagnostics
 * ("can this password run a query here") and by the test rig's stand-in services.
 *
 * Cleartext and md5 are refused before anything is sent: whoever listens on the port may not be
 * the server meant (a local user can bind a host port while a service is down), and SCRAM is
 * the one method that proves the password without handing it, or a replayable hash, over.
 * No TLS: the agent talks only to container addresses on the same host.
 */
export interface PgTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface PgField {
  name: string;
  typeOid: number;
}

export interface PgQueryResult {
  command: string;
  fields: PgField[];
  /** Text values as Postgres sends them; null for SQL NULL. */
  rows: (string | null)[][];
}

/** A failure, with the server's SQLSTATE and severity when the server said something. */
export class PgError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly severity?: string,
  ) {
    super(message);
    this.name = 'PgError';
  }
}

export interface PgQueryOptions {
  /** Bounds the whole exchange, from connecting to the last result. */
  timeoutMs?: number;
  signal?: AbortSignal;
  applicationName?: string;
}

const PROTOCOL_3 = 196608;
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Connects, authenticates, runs each query (a query may hold several statements: each gives a
 * result), and closes.
 */
export async function pgQuery(
  target: PgTarget,
  queries: string | readonly string[],
  options: PgQueryOptions = {},
): Promise<PgQueryResult[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const session = new PgSession(connect({ host: target.host, port: target.port }));
  const timer = setTimeout(
    () => session.fail(new PgError(`no answer within ${timeoutMs} ms`)),
    timeoutMs,
  );
  const onAbort = () => session.fail(new PgError('cancelled'));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await session.connected(target);
    await session.startup(target, options.applicationName ?? 'ultrabase');
    const results: PgQueryResult[] = [];
    for (const sql of typeof queries === 'string' ? [queries] : queries) {
      results.push(...(await session.query(sql)));
    }
    return results;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    session.close();
  }
}

type Message = { type: string; body: Buffer };

class PgSession {
  private buffer = Buffer.alloc(0);
  private queue: Message[] = [];
  private waiter: ((m: Message | Error) => void) | undefined;
  private failure: Error | undefined;

  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new PgError(`connection failed: ${err.message}`)));
    socket.on('close', () => this.fail(new PgError('the server closed the connection')));
  }

  connected(target: PgTarget): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
      // A timeout or an abort destroys the socket before it connects: that ends the wait too.
      this.socket.once('close', () => reject(this.failure ?? new Error('closed')));
    }).catch((err: Error) => {
      if (err instanceof PgError) throw err;
      throw new PgError(`cannot connect to ${target.host}:${target.port}: ${err.message}`);
    });
  }

  async startup(target: PgTarget, applicationName: string): Promise<void> {
    const params = Buffer.from(
      `user\0${target.user}\0database\0${target.database}\0application_name\0${applicationName}\0\0`,
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
        case 0: // AuthenticationOk (or trust)
          break;
        case 3:
        case 5:
          throw new PgError(
            `the server asked for a ${kind === 3 ? 'cleartext' : 'md5'} password; only SCRAM-SHA-256 is used, so nothing was sent`,
          );
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

  /** One simple query; a result per statement it holds. */
  async query(sql: string): Promise<PgQueryResult[]> {
    this.send('Q', cstring(sql));
    const results: PgQueryResult[] = [];
    let current: PgQueryResult = { command: '', fields: [], rows: [] };
    let error: PgError | undefined;
    for (;;) {
      const m = await this.next();
      if (m.type === 'T') current = { command: '', fields: parseRowDescription(m.body), rows: [] };
      else if (m.type === 'D') current.rows.push(parseDataRow(m.body));
      else if (m.type === 'C') {
        current.command = m.body.toString('utf8').replace(/\0$/, '');
        results.push(current);
        current = { command: '', fields: [], rows: [] };
      } else if (m.type === 'E') error = errorFrom(m.body);
      else if (m.type === 'Z') {
        if (error) throw error;
        return results;
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

  fail(err: Error): void {
    this.failure ??= err;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(this.failure);
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
  const severity = fields.get('V') ?? fields.get('S') ?? 'ERROR';
  return new PgError(fields.get('M') ?? 'unknown error', fields.get('C'), severity);
}

function parseRowDescription(body: Buffer): PgField[] {
  const count = body.readUInt16BE(0);
  const fields: PgField[] = [];
  let offset = 2;
  for (let i = 0; i < count; i++) {
    const end = body.indexOf(0, offset);
    const name = body.subarray(offset, end).toString('utf8');
    // After the name: table oid (4), column (2), type oid (4), size (2), modifier (4), format (2).
    fields.push({ name, typeOid: body.readUInt32BE(end + 1 + 6) });
    offset = end + 1 + 18;
  }
  return fields;
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
