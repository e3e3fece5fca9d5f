import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackupDownloadItem } from '@protocol/backup-transfer';
import { DownloadWriter } from './download-writer';
import {
  expectedOf,
  manifestPart,
  dump,
  files,
  functionsTar,
  items,
  longName,
  manifest,
  roles,
  storageTar,
  tar,
} from './download-fixture';

// A download written into a folder and checked against the manifest. The archives are built
// here as Go's archive/tar (restic dump) writes them: ustar headers, a PAX record for a long
// name; the rig's backups test feeds the writer restic's own output.

let out: string;
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'ub-download-'));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

async function run(writer: DownloadWriter, stream: BackupDownloadItem[]) {
  await writer.start();
  for (const item of stream) await writer.write(item);
  return writer.finish();
}

describe('a backup download written into a folder', () => {
  it('writes db.sql, the project’s files under their manifest paths and the manifest', async () => {
    const progress: number[] = [];
    const m = manifest();
    const writer = new DownloadWriter(
      join(out, 'shop-b1'),
      expectedOf(m),
      ['manifest', 'database', 'storage', 'functions'],
      (p) => progress.push(p.bytes),
    );
    const result = await run(
      writer,
      items(
        {
          manifest: manifestPart(m),
          database: dump,
          storage: storageTar(),
          functions: functionsTar(),
        },
        333,
      ),
    );
    expect(result).toMatchObject({ dir: join(out, 'shop-b1'), files: 3 });
    expect(await readFile(join(out, 'shop-b1/db.sql'))).toEqual(dump);
    expect(await readFile(join(out, `shop-b1/volumes/storage/stub/bucket/${longName}`))).toEqual(
      files[`data/storage/stub/bucket/${longName}`],
    );
    expect(await readFile(join(out, 'shop-b1/volumes/functions/hello/index.ts'), 'utf8')).toContain(
      'hi',
    );
    expect(JSON.parse(await readFile(join(out, 'shop-b1/manifest.json'), 'utf8')).id).toBe(m.id);
    expect((await readdir(join(out, 'shop-b1'))).sort()).toEqual([
      'db.sql',
      'manifest.json',
      'volumes',
    ]);
    // Progress counts content bytes up to exactly the manifest's total.
    expect(progress.at(-1)).toBe(writer.totalBytes);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(await readdir(out)).toEqual(['shop-b1']);
  });

  it('adds roles.sql only when the roles part was asked for', async () => {
    const writer = new DownloadWriter(join(out, 'd'), expectedOf(manifest(), true), [
      'manifest',
      'database',
      'storage',
      'functions',
      'roles',
    ]);
    const result = await run(
      writer,
      items({
        manifest: manifestPart(manifest()),
        database: dump,
        storage: storageTar(),
        functions: functionsTar(),
        roles: Buffer.from(roles),
      }),
    );
    expect(result.roles).toBe(join(out, 'd/roles.sql'));
    expect(await readFile(join(out, 'd/roles.sql'), 'utf8')).toBe(roles);
  });

  it('refuses a changed byte with BACKUP_REPOSITORY_DAMAGED and leaves no folder behind', async () => {
    const bad = Buffer.from(dump);
    bad[3] = bad[3]! ^ 1;
    const writer = new DownloadWriter(join(out, 'd'), expectedOf(manifest(), true), [
      'manifest',
      'database',
      'storage',
      'functions',
    ]);
    await expect(
      run(
        writer,
        items({
          manifest: manifestPart(manifest()),
          database: bad,
          storage: storageTar(),
          functions: functionsTar(),
        }),
      ),
    ).rejects.toMatchObject({ code: 'BACKUP_REPOSITORY_DAMAGED' });
    await writer.abort();
    expect(await readdir(out)).toEqual([]);
  });

  it('refuses a missing file, and an archive entry outside its folder', async () => {
    const missing = new DownloadWriter(join(out, 'a'), expectedOf(manifest()), [
      'manifest',
      'database',
      'storage',
      'functions',
    ]);
    await expect(
      run(
        missing,
        items({
          manifest: manifestPart(manifest()),
          database: dump,
          storage: storageTar(),
          functions: tar([]),
        }),
      ),
    ).rejects.toMatchObject({ code: 'BACKUP_REPOSITORY_DAMAGED', message: /functions\/hello/ });
    await missing.abort();
    const escape = new DownloadWriter(join(out, 'b'), expectedOf(manifest()), [
      'manifest',
      'database',
      'storage',
    ]);
    await expect(
      run(
        escape,
        items({
          manifest: manifestPart(manifest()),
          database: dump,
          storage: tar([{ path: 'data/storage/../../../etc/x', body: Buffer.from('x') }]),
        }),
      ),
    ).rejects.toMatchObject({ code: 'BACKUP_REPOSITORY_DAMAGED', message: /outside/ });
    await escape.abort();
    expect(await readdir(out)).toEqual([]);
  });

  it('will not write into a folder that already exists', async () => {
    const first = new DownloadWriter(join(out, 'same'), expectedOf(manifest()), [
      'manifest',
      'database',
      'storage',
      'functions',
    ]);
    await run(
      first,
      items({
        manifest: manifestPart(manifest()),
        database: dump,
        storage: storageTar(),
        functions: functionsTar(),
      }),
    );
    const again = new DownloadWriter(join(out, 'same'), expectedOf(manifest()), [
      'manifest',
      'database',
    ]);
    await expect(again.start()).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      data: { field: 'out' },
    });
    expect(await readFile(join(out, 'same/db.sql'))).toEqual(dump);
  });
});
