import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseCertificateFiles } from './database-certificate-files';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'ub-dbtls-'));
  mkdirSync(path.join(root, 'inst01a/volumes/db/data'), { recursive: true, mode: 0o700 });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('the project’s copy of its certificate', () => {
  it('is readable by Postgres: folder traversable, key 0600 owned by the data directory’s owner', async () => {
    const files = databaseCertificateFiles((id) => path.join(root, id));
    expect(await files.read('inst01a')).toBeUndefined();
    await files.write('inst01a', { cert: 'CERT', key: 'KEY' });
    const dir = path.join(root, 'inst01a/volumes/db/tls');
    expect(statSync(dir).mode & 0o777).toBe(0o755);
    const key = statSync(path.join(dir, 'server.key'));
    expect(key.mode & 0o777).toBe(0o600);
    const data = statSync(path.join(root, 'inst01a/volumes/db/data'));
    expect([key.uid, key.gid]).toEqual([data.uid, data.gid]);
    expect(statSync(path.join(dir, 'server.crt')).mode & 0o777).toBe(0o644);
    expect(await files.read('inst01a')).toEqual({ cert: 'CERT', key: 'KEY' });
    await files.remove('inst01a');
    expect(await files.read('inst01a')).toBeUndefined();
  });
});
