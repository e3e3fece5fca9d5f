import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CodedError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import { drillFailed, type BackupManifest, type BackupStatus } from '@protocol/backups';
import type { Instance } from '@protocol/types';
import { InstanceLocks } from '../instances/state';
import { drillDatabase } from './drill';
import { readBackBackup } from './restore-job';
import { runBackup } from './backup-job';
import { BackupService } from './service';
import { testManifest } from './test-manifest';

// A drill's outcome is kept on the instance (`backupStatus`), apart from its health: a failed
// drill keeps the project "needs attention" until a later drill passes. The real service,
// index and queue; restic, psql and Docker replaced (the rig's backups test runs them).

vi.mock('./restore-job', () => ({ applyBackup: vi.fn(), readBackBackup: vi.fn() }));
vi.mock('./backup-job', async (original) => ({
  ...(await original<typeof import('./backup-job')>()),
  runBackup: vi.fn(),
}));
vi.mock('./drill', () => ({ drillDatabase: vi.fn() }));
vi.mock('./project-stack', () => ({
  dbContainer: vi.fn(async () => 'c0ffee'),
  stopAllButDb: vi.fn(async () => {}),
  startAll: vi.fn(async () => {}),
}));

const manifest: BackupManifest = testManifest();

let dataDir: string;
let instance: Instance;
let clock: Date;
let service: BackupService;

beforeEach(async () => {
  vi.clearAllMocks();
  dataDir = await mkdtemp(path.join(tmpdir(), 'ub-drill-'));
  clock = new Date('2026-12-02T09:00:00Z');
  instance = { id: 'p1', name: 'shop', project: 'ub_p1', status: 'running' } as Instance;
  service = new BackupService({
    dataDir,
    images: {},
    agentVersion: 'test',
    getInstance: (id) => (id === 'p1' ? instance : undefined),
    instanceDir: (id) => path.join(dataDir, 'instances', id),
    postgresPassword: async () => 'pw',
    compose: async () => ({ version: '2', run: async () => '' }),
    locks: new InstanceLocks(),
    emit: () => {},
    now: () => clock,
    setBackupStatus: async (_id, backupStatus: BackupStatus) => {
      instance = { ...instance, backupStatus };
    },
  });
  await service.index.put({ manifest, added: { local: 1 } });
  vi.mocked(readBackBackup).mockImplementation(async (_deps, input) => ({
    manifest: input.manifest,
    target: { repository: '/ub/repository', options: [], mounts: [] },
    dbSnapshot: 's1',
    staging: input.staging,
    roles: '',
  }));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('a restore drill’s outcome on the project', () => {
  it('marks the project when a drill fails, and clears the mark only when a later one passes', async () => {
    vi.mocked(drillDatabase).mockRejectedValueOnce(
      new CodedError(ErrorCode.RESTORE_FAILED, 'public.orders: 3 rows, not 5'),
    );
    await expect(service.verify('p1', manifest.id).done).rejects.toMatchObject({
      code: ErrorCode.RESTORE_FAILED,
    });
    expect(instance.backupStatus).toEqual({
      lastDrill: {
        at: '2026-12-02T09:00:00.000Z',
        ok: false,
        backupId: manifest.id,
        code: ErrorCode.RESTORE_FAILED,
        message: 'public.orders: 3 rows, not 5',
      },
    });
    expect(drillFailed(instance)).toBe(true);
    // The health scheduler clearing `needsAttention` (a healthy project) leaves the mark.
    instance = { ...instance, needsAttention: false };
    expect(drillFailed(instance)).toBe(true);
    // The scheduler counts the failed attempt: no new full drill on every pass.
    expect(await service.lastDrillAt('p1')).toBe('2026-12-02T09:00:00.000Z');

    clock = new Date('2026-12-03T09:00:00Z');
    vi.mocked(drillDatabase).mockResolvedValueOnce({ tables: 1, rows: 5 });
    await expect(service.verify('p1', manifest.id).done).resolves.toEqual({
      verifiedAt: '2026-12-03T09:00:00.000Z',
    });
    expect(drillFailed(instance)).toBe(false);
    expect(instance.backupStatus).toEqual({
      lastVerifiedAt: '2026-12-03T09:00:00.000Z',
      lastDrill: { at: '2026-12-03T09:00:00.000Z', ok: true, backupId: manifest.id },
    });
  });

  it('keeps the last verified restore when a later drill fails (a damaged repository)', async () => {
    vi.mocked(drillDatabase).mockResolvedValueOnce({ tables: 1, rows: 5 });
    await service.verify('p1', manifest.id).done;
    clock = new Date('2026-12-09T09:00:00Z');
    vi.mocked(readBackBackup).mockRejectedValueOnce(
      new CodedError(ErrorCode.BACKUP_REPOSITORY_DAMAGED, 'checksum differs'),
    );
    await expect(service.verify('p1', manifest.id).done).rejects.toMatchObject({
      code: ErrorCode.BACKUP_REPOSITORY_DAMAGED,
    });
    expect(instance.backupStatus).toMatchObject({
      lastVerifiedAt: '2026-12-02T09:00:00.000Z',
      lastDrill: { ok: false, code: ErrorCode.BACKUP_REPOSITORY_DAMAGED },
    });
    expect(drillFailed(instance)).toBe(true);
  });
});

describe('the server-wide summary', () => {
  it('gives each project its newest backup, schedule, drill and a backup that failed since', async () => {
    const other = { id: 'p2', name: 'blog', project: 'ub_p2', status: 'running' } as Instance;
    await service.setSchedule('p1', {
      frequency: 'daily',
      retention: { last: 3 },
      drill: 'weekly',
    });
    vi.mocked(drillDatabase).mockRejectedValueOnce(
      new CodedError(ErrorCode.RESTORE_FAILED, 'rows differ'),
    );
    await service.verify('p1', manifest.id).done.catch(() => undefined);
    const [shop, blog] = await service.summary([instance, other]);
    expect(shop).toMatchObject({
      instanceId: 'p1',
      name: 'shop',
      count: 1,
      last: { id: manifest.id, startedAt: manifest.startedAt, bytes: 11, destinations: ['local'] },
      schedule: { frequency: 'daily', since: '2026-12-02T09:00:00.000Z' },
      backupStatus: { lastDrill: { ok: false, code: ErrorCode.RESTORE_FAILED } },
    });
    expect(shop!.lastError).toBeUndefined();
    expect(blog).toEqual({ instanceId: 'p2', name: 'blog', count: 0, schedule: null });

    // A backup that fails after the newest one is reported, until one succeeds.
    vi.mocked(runBackup).mockRejectedValueOnce(
      new CodedError(ErrorCode.BACKUP_DESTINATION_FULL, 'The destination is full.'),
    );
    await service.backup('p1').done.catch(() => undefined);
    expect((await service.summary([instance]))[0]!.lastError).toEqual({
      at: '2026-12-02T09:00:00.000Z',
      code: ErrorCode.BACKUP_DESTINATION_FULL,
      message: 'The destination is full.',
    });
    clock = new Date('2026-12-02T10:00:00Z');
    vi.mocked(runBackup).mockResolvedValueOnce({
      manifest: { ...manifest, id: 'b20261202t100000z-def456', startedAt: clock.toISOString() },
      added: { local: 1 },
    });
    await service.backup('p1').done;
    const after = (await service.summary([instance]))[0]!;
    expect(after.lastError).toBeUndefined();
    expect(after.last?.id).toBe('b20261202t100000z-def456');
  });
});
