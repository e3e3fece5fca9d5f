import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '@protocol/error-codes';
import type { BackupManifest } from '@protocol/backups';
import type { Instance } from '@protocol/types';
import { InstanceLocks } from '../instances/state';
import { runBackup } from '../backups/backup-job';
import { stopAllButDb } from '../backups/project-stack';
import { applyBackup, readBackBackup } from '../backups/restore-job';
import { BackupService } from '../backups/service';
import { diskGuard, restoreNeed } from '.';

// A restore (in place, or a clone into another project) is refused before it reads anything
// back when the disk cannot hold the backup twice: the real service, queue and index; restic,
// psql and Docker replaced by recorders (the rig's backup tests run them for real).

vi.mock('../backups/backup-job', async (original) => ({
  ...(await original<typeof import('../backups/backup-job')>()),
  runBackup: vi.fn(),
}));
vi.mock('../backups/restore-job', () => ({ applyBackup: vi.fn(), readBackBackup: vi.fn() }));
vi.mock('../backups/project-stack', () => ({
  dbContainer: vi.fn(async () => 'c0ffee'),
  stopAllButDb: vi.fn(async () => {}),
  startAll: vi.fn(async () => {}),
}));

const MB = 2 ** 20;
const shop = { id: 'p1', name: 'shop', project: 'ub_p1', status: 'running' } as Instance;
const copy = { id: 'p2', name: 'copy', project: 'ub_p2', status: 'running' } as Instance;
const manifest = (id: string): BackupManifest => ({
  format: 1,
  id,
  kind: 'manual',
  instanceId: 'p1',
  instanceName: 'shop',
  agentVersion: 'test',
  startedAt: '2026-12-02T08:00:00.000Z',
  finishedAt: '2026-12-02T08:00:05.000Z',
  database: { file: 'db.sql', bytes: 900 * MB, sha256: 'x', durationMs: 1, tables: [] },
  roles: { bytes: 1, sha256: 'y' },
  files: { count: 1, bytes: 100 * MB, durationMs: 1, entries: [] },
  snapshots: { local: { db: 's1', files: 's2' } },
});

let dataDir: string;
let free: number;
let service: BackupService;

beforeEach(async () => {
  vi.clearAllMocks();
  dataDir = await mkdtemp(path.join(tmpdir(), 'ub-restore-disk-'));
  free = 5_000;
  const guard = diskGuard({
    dataDir,
    config: { resources: { minFreeDiskMb: 100 } },
    readHost: async () => ({ diskFreeMb: free, diskTotalMb: 20_000 }),
  });
  service = new BackupService({
    dataDir,
    images: {},
    agentVersion: 'test',
    getInstance: (id) => ({ p1: shop, p2: copy })[id],
    instanceDir: (id) => path.join(dataDir, 'instances', id),
    postgresPassword: async () => 'pw',
    compose: async () => ({ version: '2', run: async () => '' }),
    locks: new InstanceLocks(),
    emit: () => {},
    now: () => new Date('2026-12-02T08:00:00Z'),
    checkDisk: guard.check('backup'),
    checkRestoreDisk: (bytes) => guard.check('restore')(restoreNeed(bytes)),
  });
  vi.mocked(runBackup).mockImplementation(async () => ({
    manifest: manifest('b1'),
    added: { local: 1 },
  }));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('a restore on a disk too small for the backup', () => {
  it('is refused with the numbers before anything is read back or stopped, in place and as a clone', async () => {
    await service.backup('p1').done;
    // 1000 MB of backup: 1024 kept free + 2 × 1000 = 3024 MB needed; 3000 free.
    free = 3000;
    const expected = {
      code: ErrorCode.INSUFFICIENT_RESOURCES,
      data: {
        resource: 'disk',
        operation: 'restore',
        diskFreeMb: 3000,
        requiredMb: 3024,
        diskMissingMb: 24,
        extraMb: 2000,
      },
    };
    await expect(service.restore('p1', 'b1', { confirm: 'shop' }).done).rejects.toMatchObject(
      expected,
    );
    await expect(service.clone('p1', 'b1', 'p2').done).rejects.toMatchObject(expected);
    expect(readBackBackup).not.toHaveBeenCalled();
    expect(stopAllButDb).not.toHaveBeenCalled();
    expect(applyBackup).not.toHaveBeenCalled();
    // No safety backup either: only the first, deliberate one was taken.
    expect(runBackup).toHaveBeenCalledTimes(1);
  });
});
