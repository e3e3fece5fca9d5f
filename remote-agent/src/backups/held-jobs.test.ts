import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '@protocol/error-codes';
import type { BackupManifest } from '@protocol/backups';
import type { Instance } from '@protocol/types';
import { InstanceLocks } from '../instances/state';
import { runBackup } from './backup-job';
import { stopAllButDb, startAll } from './project-stack';
import { applyBackup, readBackBackup } from './restore-job';
import { BackupService } from './service';
import { testManifest } from './test-manifest';

// The jobs a lock holder (an upgrade) runs: the real service, queue, index and locks; restic,
// psql and Docker replaced by recorders (the rig's backup tests run them for real).

vi.mock('./backup-job', async (original) => ({
  ...(await original<typeof import('./backup-job')>()),
  runBackup: vi.fn(),
}));
vi.mock('./restore-job', () => ({ applyBackup: vi.fn(), readBackBackup: vi.fn() }));
vi.mock('./project-stack', () => ({
  dbContainer: vi.fn(async () => 'c0ffee'),
  stopAllButDb: vi.fn(async () => {}),
  startAll: vi.fn(async () => {}),
}));

const instance = { id: 'p1', name: 'shop', project: 'ub_p1', status: 'running' } as Instance;
const manifest = (id: string, kind: BackupManifest['kind']): BackupManifest =>
  testManifest({ id, kind });

let dataDir: string;
let locks: InstanceLocks;
let service: BackupService;

beforeEach(async () => {
  vi.clearAllMocks();
  dataDir = await mkdtemp(path.join(tmpdir(), 'ub-held-'));
  locks = new InstanceLocks();
  service = new BackupService({
    dataDir,
    images: {},
    agentVersion: 'test',
    getInstance: (id) => (id === 'p1' ? instance : undefined),
    instanceDir: (id) => path.join(dataDir, 'instances', id),
    postgresPassword: async () => 'pw',
    compose: async () => ({ version: '2', run: async () => '' }),
    locks,
    emit: () => {},
    now: () => new Date('2026-12-02T08:00:00Z'),
  });
  vi.mocked(runBackup).mockImplementation(async (_deps, input) => ({
    manifest: manifest('b-pre', input.kind),
    added: { local: 1 },
  }));
  vi.mocked(readBackBackup).mockImplementation(async (_deps, input) => ({
    manifest: input.manifest,
    target: { repository: '/ub/repository', env: {}, mounts: [] } as never,
    dbSnapshot: 's1',
    staging: input.staging,
    roles: '',
  }));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('backup jobs for the holder of the project lock', () => {
  it('backs up under the holder’s lock, where an ordinary backup is refused BUSY', async () => {
    const lease = locks.acquire('p1', 'upgrade');
    await expect(service.backup('p1').done).rejects.toMatchObject({ code: ErrorCode.BUSY });
    const result = await service.backupHeld('p1', { kind: 'pre-upgrade' }).done;
    expect(result.manifest).toMatchObject({ id: 'b-pre', kind: 'pre-upgrade' });
    expect(vi.mocked(runBackup).mock.calls[0]![1]).toMatchObject({ kind: 'pre-upgrade' });
    expect((await service.list('p1')).map((b) => [b.id, b.kind])).toEqual([
      ['b-pre', 'pre-upgrade'],
    ]);
    // The lock is still the upgrade's: the job neither took nor released it.
    expect(locks.holder('p1')).toBe('upgrade');
    lease.release();
  });

  it('refuses a held job from a caller without the lock', () => {
    expect(() => service.backupHeld('p1', { kind: 'pre-upgrade' })).toThrow(
      expect.objectContaining({ code: ErrorCode.INTERNAL }),
    );
    expect(() => service.restoreDatabaseHeld('p1', 'b-pre')).toThrow(
      expect.objectContaining({ code: ErrorCode.INTERNAL }),
    );
    expect(runBackup).not.toHaveBeenCalled();
  });

  it('puts back only the database, read back first, with the other services stopped', async () => {
    const lease = locks.acquire('p1', 'upgrade');
    await service.backupHeld('p1', { kind: 'pre-upgrade' }).done;
    await expect(service.restoreDatabaseHeld('p1', 'b-pre').done).resolves.toEqual({
      backupId: 'b-pre',
    });
    expect(readBackBackup).toHaveBeenCalledTimes(1);
    expect(vi.mocked(readBackBackup).mock.calls[0]![1]).toMatchObject({ destinationId: 'local' });
    expect(stopAllButDb).toHaveBeenCalledWith(expect.anything(), {
      name: 'ub_p1',
      dir: path.join(dataDir, 'instances', 'p1'),
    });
    expect(vi.mocked(applyBackup).mock.calls[0]![1]).toMatchObject({
      databaseOnly: true,
      keepRolePasswords: false,
      db: { container: 'c0ffee', password: 'pw' },
    });
    // Starting the project again is the holder's (the upgrade's rollback) job.
    expect(startAll).not.toHaveBeenCalled();
    expect(locks.holder('p1')).toBe('upgrade');
    lease.release();
  });

  it('answers BACKUP_NOT_FOUND for a backup the project does not have', async () => {
    const lease = locks.acquire('p1', 'upgrade');
    await expect(service.restoreDatabaseHeld('p1', 'nope').done).rejects.toMatchObject({
      code: ErrorCode.BACKUP_NOT_FOUND,
    });
    expect(applyBackup).not.toHaveBeenCalled();
    lease.release();
  });
});
