import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CodedError } from '@common/coded-error';
import { DUMP_HEAD_BYTES, sniffDump, type DumpShape } from '@common/dump-format';
import { ErrorCode } from '@protocol/error-codes';
import type { DumpLoadError } from '@protocol/backups-import';
import { DATABASE, SUPERUSER, type DbTarget } from './database';

/** psql reading a dump on its stdin, inside the project's db container (or a fake in tests). */
export interface LoaderProcess {
  stdin: Writable;
  stderr: Readable;
  /** The exit code (null: killed by a signal). */
  exit: Promise<number | null>;
  kill(): void;
}

/**
 * psql as the project's superuser with ON_ERROR_STOP off: a dump of a hosted project recreates
 * what a new project already has (the auth and storage schemas, extensions, roles' grants),
 * and each of those statements fails with "already exists" while the data still loads; stopping
 * at the first would refuse every real dump. Each error is reported with its line instead.
 * Query output goes to /dev/null: pg_dump's `SELECT set_config(...)` and `setval` print rows.
 */
export function spawnPsqlLoader(db: DbTarget): LoaderProcess {
  const child = spawn(
    'docker',
    [
      'exec',
      '-i',
      '-e',
      'PGPASSWORD',
      db.container,
      'psql',
      '-h',
      '/var/run/postgresql',
      '-U',
      SUPERUSER,
      '-w',
      '-X',
      '-q',
      '-d',
      DATABASE,
      '-v',
      'ON_ERROR_STOP=0',
      '-o',
      '/dev/null',
      // `-f -`, not plain stdin: only then does psql prefix each error with its input line.
      '-f',
      '-',
    ],
    { env: { ...process.env, PGPASSWORD: db.password }, stdio: ['pipe', 'ignore', 'pipe'] },
  );
  const exit = new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code));
  });
  if (!child.stdin || !child.stderr) throw new Error('psql has no stdin or stderr');
  return { stdin: child.stdin, stderr: child.stderr, exit, kill: () => child.kill('SIGTERM') };
}

const MAX_ERRORS_KEPT = 200;
const PSQL_LINE =
  /^psql:[^:]*:(\d+): (?:(ERROR|FATAL|PANIC|WARNING|NOTICE|INFO|DETAIL|HINT|CONTEXT|LINE \d+):\s*)?(.*)$/;
const NOT_ERRORS = new Set(['WARNING', 'NOTICE', 'INFO', 'DETAIL', 'HINT', 'CONTEXT']);

/**
 * psql's stderr turned into errors with the dump's line numbers (`psql:<stdin>:LINE: ERROR: …`).
 * Messages without a level are psql's own (an unknown meta-command) and count as errors too.
 */
export class PsqlErrors {
  readonly kept: DumpLoadError[] = [];
  count = 0;
  private partial = '';
  /** The last lines whatever they were: what a load that broke off is explained with. */
  tail: string[] = [];

  push(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  flush(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  private line(raw: string): void {
    const line = raw.trimEnd();
    if (!line) return;
    this.tail = [...this.tail.slice(-5), line.slice(0, 500)];
    const m = PSQL_LINE.exec(line);
    if (!m) return;
    const level = m[2];
    if (level && (NOT_ERRORS.has(level) || level.startsWith('LINE '))) return;
    this.count++;
    if (this.kept.length < MAX_ERRORS_KEPT) {
      this.kept.push({ line: Number(m[1]), message: m[3]!.slice(0, 500) });
    }
  }
}

/** Written after the dump: PostgREST reads the new tables without a restart. */
const AFTER_DUMP = "\n;\nNOTIFY pgrst, 'reload schema';\n";

export interface LoadReport {
  /** Bytes of the dump as uploaded (compressed when it was gzip). */
  bytes: number;
  errorCount: number;
  errors: DumpLoadError[];
}

/**
 * The uploaded dump, chunk by chunk, into psql: chunks are written in `seq` order (calls may
 * overtake each other on the way), each `write` settles once psql took its bytes (so the
 * desktop's window of calls in flight is the flow control), the head is checked again here, and
 * nothing is kept on disk.
 */
export class DumpLoad {
  private next = 1;
  private readonly waiting = new Map<number, { data: Buffer; done: Deferred }>();
  private head: Buffer[] = [];
  private headBytes = 0;
  private checked = false;
  private chain: Promise<void> = Promise.resolve();
  private failure: CodedError | undefined;
  private readonly failed: Promise<never>;
  private fail!: (error: CodedError) => void;
  private readonly input: Writable;
  readonly errors = new PsqlErrors();
  bytes = 0;

  constructor(
    private readonly proc: LoaderProcess,
    private readonly shape: DumpShape,
    private readonly limits: { maxBytes: number; maxAhead: number },
  ) {
    this.failed = new Promise<never>((_, reject) => {
      this.fail = (error) => {
        if (this.failure) return;
        this.failure = error;
        reject(error);
      };
    });
    this.failed.catch(() => undefined);
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (text: string) => this.errors.push(text));
    proc.stdin.on('error', () => undefined);
    if (shape.gzip) {
      const gunzip = createGunzip();
      gunzip.on('error', (error) =>
        this.fail(
          new CodedError(
            ErrorCode.IMPORT_NOT_A_DUMP,
            `The gzip data of the dump is damaged: ${error.message}`,
            { reason: 'damaged gzip' },
          ),
        ),
      );
      gunzip.pipe(proc.stdin, { end: false });
      gunzip.on('end', () => proc.stdin.end(AFTER_DUMP));
      this.input = gunzip;
    } else {
      this.input = proc.stdin;
    }
    // psql ending before the dump did (a `\q`, a lost connection) breaks the upload off.
    void proc.exit.then((code) => {
      if (!this.ending) this.fail(this.exitError(code, 'before the whole dump arrived'));
    });
  }

  private ending = false;

  /** Takes chunk `seq` (from 1); settles once psql took it, or with why the load broke off. */
  write(seq: number, data: Buffer): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.ending || seq < this.next || this.waiting.has(seq)) {
      return Promise.reject(
        new CodedError(ErrorCode.INVALID_PARAMS, `Chunk ${seq} of the dump arrived twice or late.`),
      );
    }
    if (seq >= this.next + this.limits.maxAhead) {
      return Promise.reject(
        new CodedError(
          ErrorCode.INVALID_PARAMS,
          `Chunk ${seq} is too far ahead of chunk ${this.next}.`,
        ),
      );
    }
    const done = deferred();
    this.waiting.set(seq, { data, done });
    this.chain = this.chain.then(() => this.pump());
    return done.promise;
  }

  private async pump(): Promise<void> {
    for (;;) {
      const entry = this.waiting.get(this.next);
      if (!entry) return;
      this.waiting.delete(this.next);
      this.next++;
      try {
        await this.take(entry.data);
        entry.done.resolve();
      } catch (error) {
        this.fail(error as CodedError);
        entry.done.reject(this.failure);
        for (const other of this.waiting.values()) other.done.reject(this.failure);
        this.waiting.clear();
        return;
      }
    }
  }

  private async take(data: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    this.bytes += data.length;
    if (this.bytes > this.limits.maxBytes) {
      throw new CodedError(
        ErrorCode.IMPORT_TOO_LARGE,
        `More of the dump arrived than was announced (${this.limits.maxBytes} bytes).`,
        { limit: this.limits.maxBytes },
      );
    }
    if (this.checked) return this.push(data);
    this.head.push(data);
    this.headBytes += data.length;
    if (this.headBytes >= DUMP_HEAD_BYTES) await this.releaseHead();
  }

  private async releaseHead(): Promise<void> {
    const head = Buffer.concat(this.head);
    this.head = [];
    this.checked = true;
    const shape = sniffDump(head.subarray(0, DUMP_HEAD_BYTES));
    if (shape.gzip !== this.shape.gzip) {
      throw new CodedError(
        ErrorCode.IMPORT_NOT_A_DUMP,
        'The uploaded dump does not start as announced.',
        { reason: 'head mismatch' },
      );
    }
    await this.push(head);
  }

  private async push(data: Buffer): Promise<void> {
    if (data.length === 0) return;
    if (this.input.write(data)) return;
    await Promise.race([
      new Promise<void>((resolve) => this.input.once('drain', resolve)),
      this.failed,
    ]);
  }

  /** The whole dump arrived: ends psql's input and waits for it to finish. */
  async end(): Promise<LoadReport> {
    await this.chain;
    if (this.failure) throw this.failure;
    if (this.waiting.size > 0 || this.bytes === 0) {
      throw new CodedError(
        ErrorCode.IMPORT_FAILED,
        this.bytes === 0 ? 'The dump was empty.' : 'Chunks of the dump are missing.',
      );
    }
    if (!this.checked) await this.releaseHead();
    this.ending = true;
    if (this.shape.gzip) this.input.end();
    else this.input.end(AFTER_DUMP);
    const code = await Promise.race([this.proc.exit, this.failed]);
    this.errors.flush();
    if (code !== 0) throw this.exitError(code, 'while loading the dump');
    return { bytes: this.bytes, errorCount: this.errors.count, errors: this.errors.kept };
  }

  abort(): void {
    this.ending = true;
    this.fail(new CodedError(ErrorCode.CANCELLED, 'The import was cancelled.'));
    this.proc.kill();
  }

  private exitError(code: number | null, when: string): CodedError {
    this.errors.flush();
    const tail = this.errors.tail.join('\n');
    return new CodedError(
      ErrorCode.IMPORT_FAILED,
      `psql stopped ${when} (exit ${code ?? 'signal'})${tail ? `: ${tail}` : '.'}`,
      { exitCode: code },
    );
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
