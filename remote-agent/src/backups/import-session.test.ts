import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { Instance } from '@protocol/types';
import { DumpLoad, PsqlErrors, type LoaderProcess } from './dump-load';
import { ImportSession } from './import-session';

const DUMP = Buffer.from(
  '--\n-- PostgreSQL database dump\n--\nSET statement_timeout = 0;\n' +
    'CREATE TABLE public.items (id int);\nCOPY public.items (id) FROM stdin;\n1\n2\n\\.\n',
);

/** psql as a fake: collects stdin, writes what stderr the test wants, exits when told. */
function fakePsql(options: { highWaterMark?: number; slow?: boolean } = {}) {
  const received: Buffer[] = [];
  let pending: (() => void) | undefined;
  let exit!: (code: number | null) => void;
  const stdin = new Writable({
    highWaterMark: options.highWaterMark ?? 16 * 1024,
    write(chunk: Buffer, _enc, callback) {
      received.push(chunk);
      if (options.slow) pending = callback;
      else callback();
    },
    final(callback) {
      callback();
      setImmediate(() => exit(0));
    },
  });
  const stderr = new PassThrough();
  const proc: LoaderProcess & { killed: boolean; stderr: PassThrough } = {
    stdin,
    stderr,
    exit: new Promise((resolve) => (exit = resolve)),
    killed: false,
    kill() {
      proc.killed = true;
      exit(null);
    },
  };
  return {
    proc,
    text: () => Buffer.concat(received).toString(),
    release: () => {
      const p = pending;
      pending = undefined;
      p?.();
    },
    crash: (code: number) => exit(code),
  };
}

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string } | undefined)?.code;
}

describe('PsqlErrors', () => {
  it('keeps errors with their dump lines and skips notices and details', () => {
    const errors = new PsqlErrors();
    errors.push('psql:<stdin>:12: ERROR:  schema "auth" already exists\npsql:<stdin>:12: DETA');
    errors.push('IL:  something\npsql:<stdin>:40: NOTICE:  hello\n');
    errors.push('psql:<stdin>:77: invalid command \\restrict\npsql:<stdin>:90: ERROR:  role "x"');
    errors.flush();
    expect(errors.count).toBe(3);
    expect(errors.kept).toEqual([
      { line: 12, message: 'schema "auth" already exists' },
      { line: 77, message: 'invalid command \\restrict' },
      { line: 90, message: 'role "x"' },
    ]);
  });
});

describe('DumpLoad', () => {
  it('writes chunks in seq order whatever order they arrive in, then the schema reload', async () => {
    const psql = fakePsql();
    const load = new DumpLoad(psql.proc, { gzip: false }, { maxBytes: DUMP.length, maxAhead: 8 });
    const parts = [DUMP.subarray(0, 30), DUMP.subarray(30, 70), DUMP.subarray(70)];
    // Chunk 3 overtakes the others and waits until 1 and 2 were written.
    const third = load.write(3, parts[2]!);
    await new Promise((r) => setTimeout(r, 5));
    await Promise.all([third, load.write(1, parts[0]!), load.write(2, parts[1]!)]);
    psql.proc.stderr.end('psql:<stdin>:5: ERROR:  relation "items" already exists\n');
    const report = await load.end();
    expect(psql.text().startsWith(DUMP.toString())).toBe(true);
    expect(psql.text()).toContain("NOTIFY pgrst, 'reload schema';");
    expect(report).toEqual({
      bytes: DUMP.length,
      errorCount: 1,
      errors: [{ line: 5, message: 'relation "items" already exists' }],
    });
  });

  it('decompresses a gzip dump on the way', async () => {
    const psql = fakePsql();
    const gz = gzipSync(DUMP);
    const load = new DumpLoad(psql.proc, { gzip: true }, { maxBytes: gz.length, maxAhead: 8 });
    await load.write(1, gz);
    await load.end();
    expect(psql.text().startsWith(DUMP.toString())).toBe(true);
  });

  it('answers a chunk only once psql took it (the flow control)', async () => {
    const psql = fakePsql({ highWaterMark: 1, slow: true });
    const big = Buffer.concat([DUMP, Buffer.alloc(70 * 1024, 'x')]);
    const load = new DumpLoad(psql.proc, { gzip: false }, { maxBytes: big.length, maxAhead: 8 });
    let answered = false;
    const first = load.write(1, big).then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(answered).toBe(false);
    psql.release();
    await first;
    expect(answered).toBe(true);
  });

  it('refuses a stream whose head is not a dump, more bytes than announced, and a duplicate', async () => {
    const notDump = new DumpLoad(fakePsql().proc, { gzip: false }, { maxBytes: 100, maxAhead: 8 });
    await notDump.write(1, Buffer.from('hello'));
    expect(codeOf(await notDump.end().catch((e: unknown) => e))).toBe('IMPORT_NOT_A_DUMP');

    const tooMuch = new DumpLoad(fakePsql().proc, { gzip: false }, { maxBytes: 10, maxAhead: 8 });
    expect(codeOf(await tooMuch.write(1, DUMP).catch((e: unknown) => e))).toBe('IMPORT_TOO_LARGE');

    const twice = new DumpLoad(fakePsql().proc, { gzip: false }, { maxBytes: 999, maxAhead: 8 });
    await twice.write(1, DUMP);
    expect(codeOf(await twice.write(1, DUMP).catch((e: unknown) => e))).toBe('INVALID_PARAMS');
  });

  it('psql dying mid-way fails the waiting chunks with IMPORT_FAILED and its last words', async () => {
    const psql = fakePsql({ highWaterMark: 1, slow: true });
    const big = Buffer.concat([DUMP, Buffer.alloc(70 * 1024, 'x')]);
    const load = new DumpLoad(psql.proc, { gzip: false }, { maxBytes: big.length, maxAhead: 8 });
    const pending = load.write(1, big).catch((e: unknown) => e);
    psql.proc.stderr.write('psql: error: connection to server lost\n');
    await new Promise((r) => setTimeout(r, 10));
    psql.crash(2);
    const error = await pending;
    expect(codeOf(error)).toBe('IMPORT_FAILED');
    expect((error as Error).message).toContain('connection to server lost');
  });
});

describe('ImportSession', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function session(options: { files?: number; bytes?: number; idleMs?: number } = {}) {
    dir = await mkdtemp(join(tmpdir(), 'ub-import-'));
    const psql = fakePsql();
    const rollbacks: number[] = [];
    let closed = false;
    const s = new ImportSession({
      instance: { id: 'imp123456' } as Instance,
      load: new DumpLoad(psql.proc, { gzip: false }, { maxBytes: DUMP.length, maxAhead: 8 }),
      storageRoot: join(dir, 'storage'),
      storage: { files: options.files ?? 2, bytes: options.bytes ?? 100 },
      idleMs: options.idleMs ?? 60_000,
      rollback: async () => {
        rollbacks.push(1);
      },
      now: () => Date.now(),
      onClosed: () => (closed = true),
    });
    return { s, psql, rollbacks, root: join(dir, 'storage'), closed: () => closed };
  }

  it('loads the dump, then writes the files in parts, and reports', async () => {
    const { s, root, rollbacks, closed } = await session();
    await s.chunk(1, DUMP);
    await s.file('stub/stub/photos/a.bin', 0, Buffer.from('hello '), false);
    await s.file('stub/stub/photos/a.bin', 6, Buffer.from('world'), true);
    await s.file('stub/stub/docs/b.txt', 0, Buffer.from('b'), true);
    const report = await s.finish();
    expect(report).toMatchObject({
      dumpBytes: DUMP.length,
      files: 2,
      fileBytes: 12,
      errorCount: 0,
    });
    expect(await readFile(join(root, 'stub/stub/photos/a.bin'), 'utf8')).toBe('hello world');
    expect(rollbacks).toEqual([]);
    expect(closed()).toBe(true);
  });

  it('a path outside the folder fails with IMPORT_BAD_PATH, writes nothing and rolls back once', async () => {
    const { s, root, rollbacks, closed } = await session();
    await s.chunk(1, DUMP);
    const error = await s.file('../escape.txt', 0, Buffer.from('x'), true).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('IMPORT_BAD_PATH');
    expect(rollbacks).toEqual([1]);
    expect(closed()).toBe(true);
    expect(await readdir(dir!)).not.toContain('escape.txt');
    await readdir(root).then(
      (entries) => expect(entries).toEqual([]),
      () => undefined,
    );
    // every later call gets the same answer, and no second rollback
    expect(codeOf(await s.finish().catch((e: unknown) => e))).toBe('IMPORT_BAD_PATH');
    expect(rollbacks).toEqual([1]);
  });

  it('more files or bytes than announced fail with IMPORT_TOO_LARGE', async () => {
    const { s, rollbacks } = await session({ files: 1, bytes: 3 });
    await s.chunk(1, DUMP);
    const error = await s.file('a', 0, Buffer.from('four'), true).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('IMPORT_TOO_LARGE');
    expect(rollbacks).toEqual([1]);
  });

  it('a file that exists already is not overwritten (a second part 0 of the same path)', async () => {
    const { s, rollbacks } = await session();
    await s.chunk(1, DUMP);
    await s.file('a', 0, Buffer.from('1'), true);
    expect(await s.file('a', 0, Buffer.from('2'), true).catch(codeOf)).toBe('IMPORT_BAD_PATH');
    expect(await readFile(join(dir!, 'storage/a'), 'utf8')).toBe('1');
    expect(rollbacks).toEqual([1]);
  });

  it('silence past the idle limit gives the import up and rolls back', async () => {
    const { s, psql, rollbacks } = await session({ idleMs: 30 });
    await s.chunk(1, DUMP.subarray(0, 10));
    await new Promise((r) => setTimeout(r, 80));
    expect(rollbacks).toEqual([1]);
    expect(psql.proc.killed).toBe(true);
    expect(codeOf(await s.chunk(2, DUMP.subarray(10)).catch((e: unknown) => e))).toBe(
      'IMPORT_FAILED',
    );
  });

  it('cancel rolls back and kills psql', async () => {
    const { s, psql, rollbacks } = await session();
    await s.chunk(1, DUMP.subarray(0, 10));
    await s.cancel();
    expect(rollbacks).toEqual([1]);
    expect(psql.proc.killed).toBe(true);
  });
});
