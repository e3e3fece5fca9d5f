import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DumpImportProgress } from '@contract/backups';
import { DumpImports, importDump, scanStorageFolder, type ImportWire } from './import-api';

const HEADER = '--\n-- PostgreSQL database dump\n--\nSET statement_timeout = 0;\n';

interface Call {
  method: string;
  params: Record<string, unknown>;
}

/** The agent as a fake: records calls, answers with the shapes the agent gives. */
function fakeWire(options: { failChunk?: number; chunkBytes?: number } = {}) {
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const received: Buffer[] = [];
  const files = new Map<string, Buffer>();
  const wire: ImportWire = {
    async call(method, params) {
      const p = params as Record<string, unknown>;
      calls.push({ method, params: p });
      switch (method) {
        case 'backups.dumpImport.begin':
          return {
            uploadId: 'u0000000000000001',
            instance: { id: 'newproj1', name: p.name },
            chunkBytes: options.chunkBytes ?? 1024,
            windowChunks: 3,
          } as never;
        case 'backups.dumpImport.chunk': {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, 2));
          inFlight--;
          if (p.seq === options.failChunk) {
            throw Object.assign(new Error('psql stopped'), { code: 'IMPORT_FAILED' });
          }
          received[(p.seq as number) - 1] = Buffer.from(p.data as string, 'base64');
          return { bytes: 1 } as never;
        }
        case 'backups.dumpImport.file': {
          const prev = files.get(p.path as string) ?? Buffer.alloc(0);
          expect(p.offset).toBe(prev.length);
          files.set(
            p.path as string,
            Buffer.concat([prev, Buffer.from(p.data as string, 'base64')]),
          );
          return { bytes: 1 } as never;
        }
        case 'backups.dumpImport.finish':
          return {
            instance: { id: 'newproj1' },
            dumpBytes: Buffer.concat(received).length,
            errorCount: 0,
            errors: [],
            files: files.size,
            fileBytes: 0,
            durationMs: 5,
          } as never;
        default:
          return { ok: true } as never;
      }
    },
  };
  return {
    wire,
    calls,
    files,
    dump: () => Buffer.concat(received),
    maxInFlight: () => maxInFlight,
  };
}

describe('importDump', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ub-import-core-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sends the dump in order with a window of calls in flight, then each file in parts', async () => {
    const dump = Buffer.from(HEADER + 'x'.repeat(10_000));
    await writeFile(join(dir, 'dump.sql'), dump);
    const storage = join(dir, 'storage');
    await mkdir(join(storage, 'stub/stub/photos'), { recursive: true });
    await writeFile(join(storage, 'stub/stub/photos/big.bin'), Buffer.alloc(2500, 7));
    await writeFile(join(storage, 'stub/stub/photos/empty.bin'), '');
    const w = fakeWire();
    const seen: DumpImportProgress[] = [];
    const report = await importDump(
      w.wire,
      { dumpPath: join(dir, 'dump.sql'), storageDir: storage, name: 'shop' },
      (p) => seen.push({ ...p }),
    );
    expect(report.instance.id).toBe('newproj1');
    expect(w.dump().equals(dump)).toBe(true);
    expect(w.maxInFlight()).toBe(3);
    const begin = w.calls[0]!;
    expect(begin.method).toBe('backups.dumpImport.begin');
    expect(begin.params).toMatchObject({
      name: 'shop',
      dumpBytes: dump.length,
      storage: { files: 2, bytes: 2500 },
    });
    expect(w.files.get('stub/stub/photos/big.bin')?.length).toBe(2500);
    expect(w.files.get('stub/stub/photos/empty.bin')?.length).toBe(0);
    const fileCalls = w.calls.filter((c) => c.method === 'backups.dumpImport.file');
    expect(fileCalls.map((c) => [c.params.path, c.params.offset, c.params.last])).toEqual([
      ['stub/stub/photos/big.bin', 0, false],
      ['stub/stub/photos/big.bin', 1024, false],
      ['stub/stub/photos/big.bin', 2048, true],
      ['stub/stub/photos/empty.bin', 0, true],
    ]);
    expect(w.calls.at(-1)?.method).toBe('backups.dumpImport.finish');
    expect(seen.at(-1)).toMatchObject({ phase: 'done', bytes: dump.length + 2500, files: 2 });
  });

  it('refuses a custom-format dump before anything reaches the server', async () => {
    await writeFile(join(dir, 'dump.custom'), Buffer.from('PGDMP\x01\x0e\x00'));
    const w = fakeWire();
    const error = await importDump(
      w.wire,
      { dumpPath: join(dir, 'dump.custom'), name: 'shop' },
      () => {},
    ).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('IMPORT_UNSUPPORTED_FORMAT');
    expect(w.calls).toEqual([]);
  });

  it('refuses a Storage folder holding a symlink before anything reaches the server', async () => {
    await writeFile(join(dir, 'dump.sql'), HEADER);
    const storage = join(dir, 'storage');
    await mkdir(join(storage, 'bucket'), { recursive: true });
    await symlink('/etc/passwd', join(storage, 'bucket', 'passwd'));
    const w = fakeWire();
    const error = await importDump(
      w.wire,
      { dumpPath: join(dir, 'dump.sql'), storageDir: storage, name: 'shop' },
      () => {},
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'IMPORT_BAD_PATH', data: { reason: 'symlink' } });
    expect(w.calls).toEqual([]);
  });

  it('a missing or empty dump file is refused with IMPORT_NOT_A_DUMP', async () => {
    await writeFile(join(dir, 'empty.sql'), '');
    const w = fakeWire();
    for (const name of ['missing.sql', 'empty.sql']) {
      const error = await importDump(
        w.wire,
        { dumpPath: join(dir, name), name: 'shop' },
        () => {},
      ).catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe('IMPORT_NOT_A_DUMP');
    }
    expect(w.calls).toEqual([]);
  });

  it('a chunk the agent refuses ends the upload and cancels the import there', async () => {
    await writeFile(join(dir, 'dump.sql'), HEADER + 'y'.repeat(20_000));
    const w = fakeWire({ failChunk: 4 });
    const error = await importDump(
      w.wire,
      { dumpPath: join(dir, 'dump.sql'), name: 'shop' },
      () => {},
    ).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('IMPORT_FAILED');
    expect(w.calls.at(-1)?.method).toBe('backups.dumpImport.cancel');
    expect(w.calls.some((c) => c.method === 'backups.dumpImport.finish')).toBe(false);
  });

  it('DumpImports keeps the status to poll, with the error code when it fails', async () => {
    await writeFile(join(dir, 'dump.sql'), 'not a dump');
    const imports = new DumpImports();
    const { importId } = imports.start(
      'srv',
      fakeWire().wire,
      {
        dumpPath: join(dir, 'dump.sql'),
        name: 'shop',
      },
      () => undefined,
    );
    for (let i = 0; i < 50 && !imports.status(importId).finished; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(imports.status(importId)).toMatchObject({
      finished: true,
      error: { code: 'IMPORT_NOT_A_DUMP' },
      progress: { phase: 'failed' },
    });
    expect(() => imports.status('i000000000000')).toThrow(/no import/);
  });
});

describe('scanStorageFolder', () => {
  it('refuses a path that is not a folder', async () => {
    await expect(scanStorageFolder('/nonexistent/storage')).rejects.toMatchObject({
      code: 'IMPORT_BAD_PATH',
    });
  });
});
