// A minimal PostgreSQL client (protocol 3.0, simple queries, cleartext/MD5/SCRAM-SHA-256), so
// the stand-ins log in to the real database with the credentials from their environment, as the
// real services do: a wrong password or a missing role makes them unhealthy, not silently fine.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

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

export interface PgResult {
  command: string;
  fields: PgField[];
  rows: (string | null)[][];
}

export class PgError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly severity: string,
  ) {
    super(message);
  }
}

interface Message {
  type: string;
  body: Buffer;
}

export class PgConnection {
  private buffered = Buffer.alloc(0);
  private messages: Message[] = [];
  private waiter: ((m: Message | Error) => void) | undefined;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 5) {
        const length = this.buffered.readUInt32BE(1);
        if (this.buffered.length < length + 1) break;
        const message = {
          type: String.fromCharCode(this.buffered[0] ?? 0),
          body: this.buffered.subarray(5, length + 1),
        };
        this.buffered = this.buffered.subarray(length + 1);
        this.deliver(message);
      }
    });
    const fail = (error: Error): void => {
      this.failure ??= error;
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter?.(this.failure);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed by the server')));
  }

  static async open(target: PgTarget, timeoutMs = 5000): Promise<PgConnection> {
    const socket = connect({ host: target.host, port: target.port });
    const connection = new PgConnection(socket);
    const timer = setTimeout(
      () => socket.destroy(new Error(`timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      await connection.startup(target);
      return connection;
    } catch (error) {
      socket.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs one simple query (possibly several statements) and returns each statement's result. */
  async query(sql: string): Promise<PgResult[]> {
    this.send('Q', cstring(sql));
    const results: PgResult[] = [];
    let current: PgResult = { command: '', fields: [], rows: [] };
    let error: PgError | undefined;
    for (;;) {
      const m = await this.next();
      if (m.type === 'T') current = { command: '', fields: parseRowDescription(m.body), rows: [] };
      else if (m.type === 'D') current.rows.push(parseDataRow(m.body));
      else if (m.type === 'C') {
        current.command = readCString(m.body, 0).value;
        results.push(current);
        current = { command: '', fields: [], rows: [] };
      } else if (m.type === 'E') error = parseError(m.body);
      else if (m.type === 'Z') break;
    }
    if (error) throw error;
    return results;
  }

  destroy(reason: Error): void {
    this.socket.destroy(reason);
  }

  end(): void {
    if (!this.socket.destroyed) {
      this.send('X', Buffer.alloc(0));
      this.socket.end();
    }
  }

  private deliver(message: Message): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter(message);
    } else this.messages.push(message);
  }

  private next(): Promise<Message> {
    const queued = this.messages.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = (m) => (m instanceof Error ? reject(m) : resolve(m));
    });
  }

  private send(type: string, body: Buffer): void {
    const header = Buffer.alloc(5);
    header.write(type, 0, 'latin1');
    header.writeUInt32BE(body.length + 4, 1);
    this.socket.write(Buffer.concat([header, body]));
  }

  private async startup(target: PgTarget): Promise<void> {
    const params = Buffer.concat(
      [
        ['user', target.user],
        ['database', target.database],
        ['application_name', 'ultrabase-standin'],
      ]
        .flatMap(([k, v]) => [cstring(k ?? ''), cstring(v ?? '')])
        .concat([Buffer.from([0])]),
    );
    const head = Buffer.alloc(8);
    head.writeUInt32BE(params.length + 8, 0);
    head.writeUInt32BE(196608, 4);
    this.socket.write(Buffer.concat([head, params]));

    let scram: ScramState | undefined;
    for (;;) {
      const m = await this.next();
      if (m.type === 'E') throw parseError(m.body);
      if (m.type === 'Z') return;
      if (m.type !== 'R') continue;
      const code = m.body.readUInt32BE(0);
      if (code === 0) continue;
      if (code === 3) this.send('p', cstring(target.password));
      else if (code === 5) {
        const inner = md5(target.password + target.user);
        this.send(
          'p',
          cstring('md5' + md5(Buffer.concat([Buffer.from(inner), m.body.subarray(4, 8)]))),
        );
      } else if (code === 10) {
        scram = scramStart();
        const first = Buffer.from(scram.clientFirst);
        const length = Buffer.alloc(4);
        length.writeUInt32BE(first.length, 0);
        this.send('p', Buffer.concat([cstring('SCRAM-SHA-256'), length, first]));
      } else if (code === 11 && scram) {
        this.send(
          'p',
          Buffer.from(scramFinal(scram, target.password, m.body.subarray(4).toString())),
        );
      } else if (code === 12) continue;
      else throw new PgError(`unsupported authentication method ${code}`, '28000', 'FATAL');
    }
  }
}

/** Logs in, runs the statements, logs out; the whole exchange is bounded by `timeoutMs`. */
export async function pgQuery(
  target: PgTarget,
  sql: string,
  timeoutMs = 5000,
): Promise<PgResult[]> {
  const started = Date.now();
  const connection = await PgConnection.open(target, timeoutMs);
  const left = Math.max(1, timeoutMs - (Date.now() - started));
  const timer = setTimeout(
    () => connection.destroy(new Error(`query timed out after ${timeoutMs} ms`)),
    left,
  );
  try {
    return await connection.query(sql);
  } finally {
    clearTimeout(timer);
    connection.end();
  }
}

/** A result as JSON-friendly objects: numbers and booleans converted, json parsed. */
export function rowsAsObjects(result: PgResult): Record<string, unknown>[] {
  return result.rows.map((row) => {
    const object: Record<string, unknown> = {};
    result.fields.forEach((field, i) => {
      object[field.name] = convertValue(row[i] ?? null, field.typeOid);
    });
    return object;
  });
}

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

export function quoteLiteral(value: string): string {
  return "'" + value.replace(/'/g, "''") + "'";
}

function convertValue(value: string | null, typeOid: number): unknown {
  if (value === null) return null;
  if (typeOid === 16) return value === 't';
  if (typeOid === 21 || typeOid === 23 || typeOid === 700 || typeOid === 701) return Number(value);
  if (typeOid === 114 || typeOid === 3802) return JSON.parse(value) as unknown;
  return value;
}

interface ScramState {
  nonce: string;
  clientFirstBare: string;
  clientFirst: string;
}

function scramStart(): ScramState {
  const nonce = randomBytes(18).toString('base64');
  const clientFirstBare = `n=,r=${nonce}`;
  return { nonce, clientFirstBare, clientFirst: `n,,${clientFirstBare}` };
}

function scramFinal(state: ScramState, password: string, serverFirst: string): string {
  const attrs = new Map(
    serverFirst.split(',').map((part) => [part.slice(0, 1), part.slice(2)] as const),
  );
  const nonce = attrs.get('r') ?? '';
  const salt = Buffer.from(attrs.get('s') ?? '', 'base64');
  const iterations = Number(attrs.get('i') ?? '4096');
  if (!nonce.startsWith(state.nonce)) throw new PgError('SCRAM nonce mismatch', '28000', 'FATAL');
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const withoutProof = `c=biws,r=${nonce}`;
  const authMessage = `${state.clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = createHmac('sha256', storedKey).update(authMessage).digest();
  const proof = Buffer.from(clientKey.map((byte, i) => byte ^ (signature[i] ?? 0)));
  return `${withoutProof},p=${proof.toString('base64')}`;
}

function md5(input: string | Buffer): string {
  return createHash('md5').update(input).digest('hex');
}

function cstring(value: string): Buffer {
  return Buffer.concat([Buffer.from(value, 'utf8'), Buffer.from([0])]);
}

function readCString(buffer: Buffer, offset: number): { value: string; next: number } {
  const end = buffer.indexOf(0, offset);
  const stop = end === -1 ? buffer.length : end;
  return { value: buffer.toString('utf8', offset, stop), next: stop + 1 };
}

function parseRowDescription(body: Buffer): PgField[] {
  const count = body.readUInt16BE(0);
  const fields: PgField[] = [];
  let offset = 2;
  for (let i = 0; i < count; i++) {
    const name = readCString(body, offset);
    offset = name.next;
    const typeOid = body.readUInt32BE(offset + 6);
    offset += 18;
    fields.push({ name: name.value, typeOid });
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
      values.push(body.toString('utf8', offset, offset + length));
      offset += length;
    }
  }
  return values;
}

function parseError(body: Buffer): PgError {
  const fields = new Map<string, string>();
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const key = String.fromCharCode(body[offset] ?? 0);
    const value = readCString(body, offset + 1);
    fields.set(key, value.value);
    offset = value.next;
  }
  return new PgError(
    fields.get('M') ?? 'unknown error',
    fields.get('C') ?? 'XX000',
    fields.get('V') ?? fields.get('S') ?? 'ERROR',
  );
}
