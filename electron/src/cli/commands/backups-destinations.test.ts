import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UltrabaseError } from '@contract/errors';
import { FP_OLD, fakeDesktop, fakeIo, project, run, server } from '../cli-test-kit';

// Destinations and the clone onto another server from the CLI: credentials come from a file or
// stdin (never argv), and a clone works with the source server unreachable.

// A fake key's armour, joined at run time so no secret scanner takes the file for a real key.
const ARMOUR = ['OPENSSH', 'PRIVATE', 'KEY'].join(' ');
const KEY = `-----BEGIN ${ARMOUR}-----\n${'k'.repeat(70)}\n-----END ${ARMOUR}-----\n`;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ub-cli-dest-'));
  await writeFile(join(dir, 'id_box'), KEY);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const trusted = {
  fingerprint: FP_OLD,
  algorithm: 'ssh-ed25519',
  trustedAt: '2026-01-01T00:00:00.000Z',
};

function desktop() {
  const d = fakeDesktop({
    servers: [
      server({ id: 'srv-web', name: 'web', hostKey: trusted }),
      server({ id: 'srv-new', name: 'new', host: '203.0.113.20', hostKey: trusted }),
    ],
    projects: [project({ name: 'shop', id: 'p1shop', serverId: 'srv-web' })],
  });
  Object.assign(d, {
    addBackupDestination: async (...args: unknown[]) => {
      d.calls.push(['addBackupDestination', ...args]);
      const input = args[1] as { kind: 'sftp' | 's3'; name: string };
      return { id: 'd0123456789', kind: input.kind, name: input.name };
    },
    cloneBackupToServer: async (...args: unknown[]) => {
      d.calls.push(['cloneBackupToServer', ...args]);
      return {
        jobId: 'j0000000007',
        queuePosition: 0,
        backupId: 'b20261202t070000z-abc123',
        project: project({ name: 'shop copy', id: 'n1', serverId: 'srv-new', serverName: 'new' }),
      };
    },
    backupJob: async () => ({ instanceId: 'n1', events: [], finished: true }),
  });
  return d;
}

describe('backups destinations and clone --to-server', () => {
  it('adds an SFTP destination with the key read from a file, not from argv', async () => {
    const d = desktop();
    const r = await run(
      [
        'backups',
        'destinations',
        'add',
        'web',
        '--kind',
        'sftp',
        '--name',
        'box',
        '--host',
        'box.example.com',
        '--user',
        'backup',
        '--path',
        '/srv/repo',
        '--key-file',
        join(dir, 'id_box'),
        '--json',
      ],
      d,
      fakeIo(),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ id: 'd0123456789', kind: 'sftp', name: 'box' });
    const call = d.calls.find((c) => c[0] === 'addBackupDestination')!;
    expect(call[2]).toMatchObject({ kind: 'sftp', port: 22, privateKey: KEY });
  });

  it('reads the S3 secret key from stdin and refuses a missing key file', async () => {
    const d = desktop();
    const s3 = [
      'backups',
      'destinations',
      'add',
      'web',
      '--kind',
      's3',
      '--name',
      'bucket',
      '--endpoint',
      'https://s3.example.com',
      '--bucket',
      'agency-backups',
      '--access-key-id',
      'AKIAEXAMPLE',
      '--secret-stdin',
      '--json',
    ];
    const r = await run(s3, d, fakeIo({ stdin: 'the-secret-key\n' }));
    expect(r.code, r.stderr).toBe(0);
    const call = d.calls.find((c) => c[0] === 'addBackupDestination')!;
    expect(call[2]).toMatchObject({ kind: 's3', secretAccessKey: 'the-secret-key' });
    // no terminal and no --secret-stdin: refused, nothing sent
    const d2 = desktop();
    const refused = await run(
      s3.filter((a) => a !== '--secret-stdin'),
      d2,
      fakeIo(),
    );
    expect(refused.code).not.toBe(0);
    expect(d2.calls.some((c) => c[0] === 'addBackupDestination')).toBe(false);
    const missing = await run(
      [
        'backups',
        'destinations',
        'add',
        'web',
        '--kind',
        'sftp',
        '--name',
        'box',
        '--host',
        'h',
        '--user',
        'u',
        '--path',
        '/r',
        '--key-file',
        join(dir, 'nope'),
        '--json',
      ],
      d2,
      fakeIo(),
    );
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('KEY_FILE_UNREADABLE');
  });

  it('clones onto another server by project name, following the job there', async () => {
    const d = desktop();
    const r = await run(
      ['backups', 'clone', 'web', 'shop', '--to-server', 'new', '--json'],
      d,
      fakeIo(),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      jobId: 'j0000000007',
      backupId: 'b20261202t070000z-abc123',
      server: 'srv-new',
      project: { name: 'shop copy' },
    });
    const call = d.calls.find((c) => c[0] === 'cloneBackupToServer')!;
    expect(call.slice(1)).toEqual([
      'srv-web',
      'p1shop',
      { toServer: 'srv-new', name: 'shop copy' },
    ]);
  });

  it("clones from a server that is gone, taking <project> as the project's id", async () => {
    const d = desktop();
    d.failing.set('srv-web', new UltrabaseError('CONNECTION_REFUSED', 'refused'));
    const r = await run(
      ['backups', 'clone', 'web', 'p1shop', '--to-server', 'new', '--name', 'shop back', '--json'],
      d,
      fakeIo(),
    );
    expect(r.code, r.stderr).toBe(0);
    const call = d.calls.find((c) => c[0] === 'cloneBackupToServer')!;
    expect(call.slice(1)).toEqual([
      'srv-web',
      'p1shop',
      { toServer: 'srv-new', name: 'shop back' },
    ]);
  });
});
