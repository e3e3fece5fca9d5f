import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentError } from '@common/coded-error';
import {
  DiskReserve,
  RESERVE_FILE,
  diskGuard,
  diskNeeds,
  ensureFreeSpace,
  postgresUpgradeNeed,
  restoreNeed,
} from '.';

const disk = (diskFreeMb: number) => async () => ({ diskFreeMb, diskTotalMb: 10_000 });

describe('ensureFreeSpace', () => {
  it('refuses with INSUFFICIENT_RESOURCES and the numbers when the disk is low', async () => {
    const error = await ensureFreeSpace('backup', 1024, disk(300)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentError);
    expect((error as AgentError).code).toBe('INSUFFICIENT_RESOURCES');
    expect((error as AgentError).data).toMatchObject({
      resource: 'disk',
      operation: 'backup',
      diskFreeMb: 300,
      requiredMb: 1024,
      diskMissingMb: 724,
    });
    expect((error as AgentError).message).toContain('300 MB free of 10000 MB');
  });

  it('lets the operation through at or above the threshold', async () => {
    await expect(ensureFreeSpace('apply', 256, disk(256))).resolves.toBeUndefined();
  });

  it('takes each threshold from the config, with defaults', () => {
    expect(diskNeeds({ resources: { minFreeDiskMb: 2048 } })).toEqual({
      create: 2048,
      backup: 1024,
      apply: 256,
      restore: 1024,
      upgrade: 2048,
      'postgres-upgrade': 2048,
      resize: 256,
      domain: 256,
    });
    expect(
      diskNeeds({
        resources: { minFreeDiskMb: 5 },
        disk: { backupMinFreeMb: 7, applyMinFreeMb: 3, restoreMinFreeMb: 11, upgradeMinFreeMb: 13 },
      }),
    ).toEqual({
      create: 5,
      backup: 7,
      apply: 3,
      restore: 11,
      upgrade: 13,
      'postgres-upgrade': 13,
      resize: 3,
      domain: 3,
    });
  });

  it('adds what a restore or a Postgres upgrade will write, and says so with the numbers', async () => {
    const backup = 1200 * 2 ** 20;
    expect(restoreNeed(backup)).toMatchObject({ mb: 2400 });
    expect(postgresUpgradeNeed(500 * 2 ** 20 + 1)).toMatchObject({ mb: 1002 });
    const error = (await ensureFreeSpace('restore', 1024, disk(3000), restoreNeed(backup)).catch(
      (e: unknown) => e,
    )) as AgentError;
    expect(error.code).toBe('INSUFFICIENT_RESOURCES');
    expect(error.data).toMatchObject({
      resource: 'disk',
      operation: 'restore',
      diskFreeMb: 3000,
      requiredMb: 3424,
      diskMissingMb: 424,
      thresholdMb: 1024,
      extraMb: 2400,
    });
    expect(error.message).toContain('3424 MB required (1024 MB kept free + 2400 MB for the backup');
    await expect(
      ensureFreeSpace('restore', 1024, disk(3424), restoreNeed(backup)),
    ).resolves.toBeUndefined();
    // The same free space is plenty for a smaller backup.
    await expect(
      ensureFreeSpace('restore', 1024, disk(3000), restoreNeed(2 ** 20)),
    ).resolves.toBeUndefined();
  });

  it('the guard passes an operation’s extra need through', async () => {
    const guard = diskGuard({
      dataDir: '/nonexistent-ub-disk',
      config: { resources: { minFreeDiskMb: 100 } },
      readHost: disk(2000),
    });
    await expect(
      guard.check('postgres-upgrade')(postgresUpgradeNeed(2 ** 30)),
    ).rejects.toMatchObject({
      code: 'INSUFFICIENT_RESOURCES',
      data: { operation: 'postgres-upgrade', requiredMb: 2048 + 2048, extraMb: 2048 },
    });
  });
});

describe('the disk reserve', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ub-disk-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is made once, given back on a full disk, and made again when a check passes', async () => {
    const reserve = new DiskReserve(dir, 1);
    expect(await reserve.ensure()).toBe(true);
    expect((await stat(path.join(dir, RESERVE_FILE))).size).toBe(2 ** 20);
    expect(await reserve.release()).toBe(2 ** 20);
    expect(await readdir(dir)).toEqual([]);
    expect(await reserve.release()).toBe(0);

    const guard = diskGuard({
      dataDir: dir,
      config: { resources: { minFreeDiskMb: 100 } },
      readHost: disk(5_000),
    });
    await guard.check('create')();
    expect(await readdir(dir)).toEqual([RESERVE_FILE]);
  });

  it('a refused check does not make the reserve', async () => {
    const guard = diskGuard({
      dataDir: dir,
      config: { resources: { minFreeDiskMb: 100 } },
      readHost: disk(10),
    });
    await expect(guard.check('create')()).rejects.toMatchObject({
      code: 'INSUFFICIENT_RESOURCES',
    });
    expect(await readdir(dir)).toEqual([]);
  });
});
