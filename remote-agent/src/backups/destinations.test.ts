import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DestinationStore } from './destinations';

const KEY = `-----BEGIN OPENSSH ${'PRIVATE'} KEY-----\n${'A'.repeat(60)}\n-----END OPENSSH ${'PRIVATE'} KEY-----`;

describe('DestinationStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ubt-dest-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps secrets in 0600 files and never in the list or restic arguments', async () => {
    const store = new DestinationStore(dir);
    const sftp = await store.add({
      kind: 'sftp',
      name: 'offsite',
      host: 'backup.example.com',
      port: 2222,
      user: 'ub',
      path: '/srv/restic',
      privateKey: KEY,
      knownHosts: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE',
    });
    const s3 = await store.add({
      kind: 's3',
      name: 'bucket',
      endpoint: 'https://s3.example.com',
      bucket: 'agency-backups',
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: 'very-secret-value',
    });
    const listed = JSON.stringify(await store.list());
    expect(listed).not.toContain('OPENSSH');
    expect(listed).not.toContain('very-secret-value');
    expect((await store.list()).map((d) => d.id)).toEqual(['local', sftp.id, s3.id]);

    const t = await store.target(sftp);
    expect(t.repository).toBe('sftp:ub@backup.example.com:/srv/restic');
    expect(t.options[0]).toContain('-p 2222');
    expect(JSON.stringify(t)).not.toContain('BEGIN');
    const keyFile = join(dir, 'destinations', sftp.id, 'id_key');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, 'destinations', sftp.id, 'known_hosts'), 'utf8')).toBe(
      '[backup.example.com]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE\n',
    );

    const t3 = await store.target(s3);
    expect(t3.repository).toBe('s3:https://s3.example.com/agency-backups');
    expect(JSON.stringify(t3)).not.toContain('very-secret-value');
    expect((await stat(t3.envFile!)).mode & 0o777).toBe(0o600);
  });

  it('refuses a path restic would split and an unknown id', async () => {
    const store = new DestinationStore(dir);
    await expect(
      store.add({
        kind: 'sftp',
        name: 'x',
        host: 'h',
        port: 22,
        user: 'u',
        path: '/srv/with space',
        privateKey: KEY,
      }),
    ).rejects.toThrow();
    await expect(store.get('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(store.remove('local')).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });
});
