import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentError } from '@common/coded-error';
import type { BackupManifest } from '@protocol/backups';
import { ErrorCode } from '@protocol/error-codes';
import type { Instance, SettingValue } from '@protocol/types';
import { InstanceLocks } from '../instances/state';
import { runBackup } from './backup-job';
import { readBackBackup } from './restore-job';
import { BackupService } from './service';
import { testManifest } from './test-manifest';
import { cloneSettingsChanges, restoreSettingsChanges } from './settings-restore';

// Settings in restores and clones: the real service, queue, index and locks; restic, psql and
// Docker replaced by recorders (the rig's backup test runs them for real).

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

const SOURCE: Record<string, SettingValue> = {
  'auth.siteUrl': 'https://dev.shop.example',
  'auth.redirectUrls': ['https://dev.shop.example/cb'],
  'auth.external.github.enabled': true,
  'auth.external.github.clientId': 'Iv1.dev',
  'auth.external.github.redirectUri': 'https://dev.shop.example/auth/v1/callback',
  'smtp.host': 'smtp.mailer.example',
  'smtp.port': 587,
  'auth.jwtExpiry': 7200,
  'env.auth.GOTRUE_LOG_LEVEL': 'debug',
  'someday.unknown': 'from a newer agent',
};

describe('which settings follow a clone', () => {
  it('copies behaviour, SMTP and providers, keeps the target’s URLs and env overrides', () => {
    const target = { 'auth.siteUrl': 'https://staging.shop.example', 'api.maxRows': 50 };
    expect(cloneSettingsChanges(SOURCE, target)).toEqual({
      'auth.external.github.enabled': true,
      'auth.external.github.clientId': 'Iv1.dev',
      'smtp.host': 'smtp.mailer.example',
      'smtp.port': 587,
      'auth.jwtExpiry': 7200,
      // set on the target but not on the source: back to the default, like the source
      'api.maxRows': null,
    });
  });

  it('has nothing to change when the target already matches', () => {
    expect(cloneSettingsChanges({ 'smtp.port': 587 }, { 'smtp.port': 587 })).toEqual({});
  });
});

describe('settings of an in-place restore', () => {
  it('puts every known setting back as it was and resets what was set since', () => {
    const current = { 'auth.siteUrl': 'https://new.example', 'storage.fileSizeLimit': 1000 };
    const changes = restoreSettingsChanges(SOURCE, current);
    expect(changes).toMatchObject({
      'auth.siteUrl': 'https://dev.shop.example',
      'env.auth.GOTRUE_LOG_LEVEL': 'debug',
      'storage.fileSizeLimit': null,
    });
    expect(changes).not.toHaveProperty('someday.unknown');
  });
});

const instances: Record<string, Instance> = {
  src: { id: 'src', name: 'dev', project: 'ub_src', status: 'running' } as Instance,
  dst: {
    id: 'dst',
    name: 'staging',
    project: 'ub_dst',
    status: 'running',
    settings: { 'auth.siteUrl': 'https://staging.shop.example' },
  } as unknown as Instance,
};
const manifest = (id: string, instanceId: string): BackupManifest =>
  testManifest({ id, instanceId, instanceName: instanceId });

describe('restores and clones apply the backup’s settings', () => {
  let dataDir: string;
  let locks: InstanceLocks;
  let service: BackupService;
  const applied: { id: string; changes: object; busy: boolean }[] = [];

  beforeEach(async () => {
    vi.clearAllMocks();
    applied.length = 0;
    dataDir = await mkdtemp(path.join(tmpdir(), 'ub-settings-restore-'));
    locks = new InstanceLocks();
    service = new BackupService({
      dataDir,
      images: {},
      agentVersion: 'test',
      getInstance: (id) => instances[id],
      instanceDir: (id) => path.join(dataDir, 'instances', id),
      postgresPassword: async () => 'pw',
      compose: async () => ({ version: '2', run: async () => '' }),
      locks,
      emit: () => {},
      now: () => new Date('2026-12-02T08:00:00Z'),
      applySettings: async (id, changes) => {
        // the apply path takes the project's lock itself: the restore must have let go of it
        applied.push({ id, changes, busy: locks.isBusy(id) });
      },
    });
    vi.mocked(runBackup).mockImplementation(async (_deps, input) => ({
      manifest: manifest('b-safety', input.instance.id),
      added: { local: 1 },
    }));
    vi.mocked(readBackBackup).mockImplementation(async (_deps, input) => ({
      manifest: input.manifest,
      target: { repository: '/ub/repository', env: {}, mounts: [] } as never,
      dbSnapshot: 's1',
      staging: input.staging,
      roles: '',
      settings: SOURCE,
    }));
    await service.index.put({ manifest: manifest('b1', 'src'), added: { local: 1 } });
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('gives a clone the source’s settings but its own site URL, after the lock is released', async () => {
    await expect(service.clone('src', 'b1', 'dst').done).resolves.toEqual({
      instanceId: 'dst',
      backupId: 'b1',
    });
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({ id: 'dst', busy: false });
    expect(applied[0]!.changes).toEqual(cloneSettingsChanges(SOURCE, instances.dst!.settings!));
    expect(applied[0]!.changes).not.toHaveProperty('auth.siteUrl');
    expect(applied[0]!.changes).toHaveProperty('smtp.host', 'smtp.mailer.example');
  });

  it('puts the settings back after an in-place restore (after its safety backup)', async () => {
    await service.restore('src', 'b1', { confirm: 'dev' }).done;
    expect(runBackup).toHaveBeenCalledTimes(1);
    expect(applied).toEqual([
      { id: 'src', changes: restoreSettingsChanges(SOURCE, {}), busy: false },
    ]);
  });

  it('says the data is restored when the settings cannot be applied', async () => {
    const service2 = new BackupService({
      dataDir,
      images: {},
      agentVersion: 'test',
      getInstance: (id) => instances[id],
      instanceDir: (id) => path.join(dataDir, 'instances', id),
      postgresPassword: async () => 'pw',
      compose: async () => ({ version: '2', run: async () => '' }),
      locks,
      emit: () => {},
      now: () => new Date('2026-12-02T08:00:00Z'),
      applySettings: async () => {
        throw new AgentError(ErrorCode.APPLY_FAILED, 'auth did not come up.');
      },
    });
    await service2.index.put({ manifest: manifest('b1', 'src'), added: { local: 1 } });
    const error = await service2.clone('src', 'b1', 'dst').done.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.APPLY_FAILED, data: { dataRestored: true } });
    expect((error as Error).message).toMatch(/data and files were restored.*auth did not come up/);
  });

  it('applies nothing for a backup older than settings in backups', async () => {
    vi.mocked(readBackBackup).mockImplementation(async (_deps, input) => ({
      manifest: input.manifest,
      target: { repository: '/ub/repository', env: {}, mounts: [] } as never,
      dbSnapshot: 's1',
      staging: input.staging,
      roles: '',
    }));
    await service.clone('src', 'b1', 'dst').done;
    expect(applied).toEqual([]);
  });
});
