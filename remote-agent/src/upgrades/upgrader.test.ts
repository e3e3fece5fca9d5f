import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateCredentials } from '../credentials/generate';
import type { InstanceSecrets } from '../credentials/secrets';
import { CodedError } from '@common/coded-error';
import { DockerError } from '../docker/docker-error';
import { FakeCompose, FakeDockerEngine } from '../docker/fake-engine';
import type { Compose } from '../docker/compose';
import { createDockerHost, type DockerHost } from '../docker/host';
import { stackInputFor } from '../instances/stack-input';
import { InstanceLocks } from '../instances/state';
import { createLifecycle, type DockerLifecycle } from '../lifecycle/lifecycle';
import type { InstanceRegistry } from '../lifecycle/types';
import { ErrorCode } from '@protocol/error-codes';
import type { Instance } from '@protocol/types';
import { renderStack, writeStackFiles } from '../stack';
import {
  BUILTIN_RELEASES,
  LEGACY_RELEASE_ID,
  ReleaseCatalog,
  type StackRelease,
} from '../stack/releases';
import { Slots } from './limit';
import { backupFirst, type HeldBackups } from './backup-first';
import { PostgresMajorUpgrader } from './postgres-major';
import { Upgrader } from './upgrader';
import { diskGuard, postgresUpgradeNeed } from '../disk';

// The upgrade over an in-memory Docker that runs what the rendered compose file names: a
// service whose image is "…:bad" never turns healthy. The rig test runs the same on real Docker.

class Registry implements InstanceRegistry {
  readonly items = new Map<string, Instance>();
  get(id: string) {
    const i = this.items.get(id);
    return i ? structuredClone(i) : undefined;
  }
  list() {
    return [...this.items.values()].map((i) => structuredClone(i));
  }
  async update(id: string, patch: Partial<Instance>) {
    const next = { ...this.items.get(id)!, ...patch } as Instance;
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete (next as unknown as Record<string, unknown>)[k];
    }
    this.items.set(id, next);
    return structuredClone(next);
  }
}

const base = BUILTIN_RELEASES.find((r) => r.id === LEGACY_RELEASE_ID)!;
const A: StackRelease = { ...base, id: 'test-a', date: '2026-01-01', notes: ['A'] };
const B: StackRelease = {
  ...base,
  id: 'test-b',
  date: '2026-02-01',
  notes: ['B'],
  images: { ...base.images, auth: 'example/auth:b', rest: 'example/rest:b' },
  files: [{ path: 'volumes/functions/hello/index.ts', content: '// hello from B\n' }],
};
const BAD: StackRelease = {
  ...B,
  id: 'test-bad',
  date: '2026-03-01',
  images: { ...B.images, auth: 'example/auth:bad' },
};
const DB: StackRelease = {
  ...B,
  id: 'test-db',
  date: '2026-04-01',
  images: { ...B.images, db: 'supabase/postgres:15.8.1.999' },
};
/** A new database image and an auth image that never turns healthy: migrations ran, then failure. */
const DB_BAD: StackRelease = {
  ...DB,
  id: 'test-db-bad',
  date: '2026-03-15',
  images: { ...DB.images, auth: 'example/auth:bad' },
};
const PG17: StackRelease = {
  ...B,
  id: 'test-pg17',
  date: '2026-05-01',
  images: { ...B.images, db: 'supabase/postgres:17.6.1.136' },
};

let dataDir: string;
let engine: FakeDockerEngine;
let registry: Registry;
let docker: DockerHost;
let lifecycle: DockerLifecycle;
let upgrader: Upgrader;
let secrets: InstanceSecrets;
let composeCalls: string[];
let audits: Array<{ action: string; result: string; code?: string }>;
let hookSaw: string | undefined;
let locks: InstanceLocks;
const catalog = new ReleaseCatalog([A, B, BAD, DB, DB_BAD, PG17]);
const dir = (id: string) => path.join(dataDir, 'instances', id);
const render = (i: Instance, s: InstanceSecrets) =>
  renderStack(stackInputFor(i, s, { images: {}, externalHost: undefined, releases: catalog }));

/** The image the project's compose file names for a service right now. */
function imageOnDisk(id: string, service: string): string {
  const text = readFileSync(path.join(dir(id), 'docker-compose.yml'), 'utf8');
  const block = text.split(/\n {2}(?=\w)/).find((b) => b.startsWith(`${service}:`)) ?? '';
  return /image: "?([^"\n]+)"?/.exec(block)?.[1] ?? '';
}

async function running(id: string): Promise<Instance> {
  const at = new Date().toISOString();
  const inst: Instance = {
    id,
    name: id,
    owner: 'admin',
    status: 'running',
    createdAt: at,
    updatedAt: at,
    exposure: 'private',
    ports: { kongHttp: 8001, kongHttps: 8401, postgres: 5401, poolerTransaction: 6401 },
    urls: { api: '', studio: '', database: '', poolerTransaction: '' } as Instance['urls'],
    project: `ub_${id}`,
    release: A.id,
  };
  registry.items.set(id, inst);
  await writeStackFiles(dir(id), render(inst, secrets));
  const cmp = await docker.compose();
  await cmp.run({ name: inst.project, dir: dir(id) }, 'up');
  return inst;
}

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'ub-upg-'));
  engine = new FakeDockerEngine();
  engine.healthOnStart = (service) =>
    [...registry.items.keys()].some((id) => imageOnDisk(id, service).endsWith(':bad'))
      ? 'unhealthy'
      : 'healthy';
  const fake = new FakeCompose(engine);
  composeCalls = [];
  const compose: Compose = {
    version: fake.version,
    run: (project, action, opts) => {
      composeCalls.push([action, ...(opts?.extra ?? [])].join(' '));
      return fake.run(project, action);
    },
  };
  registry = new Registry();
  secrets = generateCredentials();
  docker = createDockerHost({
    dataDir,
    engine,
    compose,
    readHost: async () => ({
      cpus: 2,
      load1: 0,
      memoryTotalMb: 8000,
      memoryAvailableMb: 6000,
      diskTotalMb: 50_000,
      diskFreeMb: 40_000,
    }),
  });
  locks = new InstanceLocks();
  audits = [];
  lifecycle = createLifecycle(
    {
      registry,
      docker,
      locks,
      instanceDir: dir,
      emit: () => {},
      audit: (e) => audits.push(e),
      config: {
        creationConcurrency: 1,
        resources: { minFreeMemoryMb: 1, minFreeDiskMb: 1, maxLoadPerCore: 100 },
        dataDir,
        healthTimeoutMs: 300,
      },
    },
    { attempts: 1, retryBaseMs: 1 },
  );
  hookSaw = undefined;
  upgrader = new Upgrader({
    driver: lifecycle.driver,
    locks,
    catalog,
    overrides: {},
    readSecrets: async () => secrets,
    render,
    audit: (e) => audits.push(e),
    beforeUpgrade: async (inst) => {
      hookSaw = imageOnDisk(inst.id, 'auth');
    },
  });
});

afterEach(async () => {
  await lifecycle.close();
  await docker.close();
  await rm(dataDir, { recursive: true, force: true });
});

const steps = (id: string) =>
  lifecycle
    .progress(id)
    .events.filter((e) => e.status !== 'progress')
    .map((e) => `${e.step}:${e.status}`);

describe('upgrading a project to another stack release', () => {
  it('plans the image and file changes and the notes, without touching anything', async () => {
    await running('proj001');
    const plan = await upgrader.plan('proj001', B.id);
    expect(plan).toMatchObject({
      from: 'test-a',
      to: 'test-b',
      upToDate: false,
      databaseChanges: false,
    });
    expect(plan.images.map((c) => c.service).sort()).toEqual(['auth', 'rest']);
    expect(plan.files).toEqual(
      expect.arrayContaining(['docker-compose.yml', 'volumes/functions/hello/index.ts']),
    );
    expect(plan.notes).toEqual(['B']);
    expect(imageOnDisk('proj001', 'auth')).toBe(A.images.auth);
  });

  it('backs up first, pulls, writes the new files, ends healthy and records the release', async () => {
    await running('proj001');
    const { instance } = await upgrader.upgrade('proj001', B.id, 'admin');
    expect(hookSaw).toBe(A.images.auth);
    expect(instance).toMatchObject({ status: 'running', release: 'test-b' });
    expect(registry.get('proj001')!.release).toBe('test-b');
    expect(imageOnDisk('proj001', 'auth')).toBe('example/auth:b');
    expect(
      await readFile(path.join(dir('proj001'), 'volumes/functions/hello/index.ts'), 'utf8'),
    ).toBe('// hello from B\n');
    expect(engine.images.has('example/auth:b')).toBe(true);
    expect(steps('proj001')).toEqual([
      'backup:started',
      'backup:done',
      'pull:started',
      'pull:done',
      'files:started',
      'files:done',
      'start:started',
      'start:done',
      'health:started',
      'health:done',
    ]);
    // The database image did not change: no database-first step.
    expect(composeCalls.filter((c) => c.includes('db'))).toEqual([]);
    expect(audits.at(-1)).toMatchObject({ action: 'instances.upgrade.finish', result: 'ok' });
  });

  it('refuses up front on a low disk, with the numbers: no backup, no pull, nothing changed', async () => {
    await running('proj001');
    const guard = diskGuard({
      dataDir,
      config: { resources: { minFreeDiskMb: 100 } },
      readHost: async () => ({ diskFreeMb: 1500, diskTotalMb: 20_000 }),
    });
    const low = new Upgrader({
      driver: lifecycle.driver,
      locks,
      catalog,
      overrides: {},
      readSecrets: async () => secrets,
      render,
      audit: (e) => audits.push(e),
      beforeUpgrade: async (inst) => {
        hookSaw = imageOnDisk(inst.id, 'auth');
      },
      checkDisk: guard.check('upgrade'),
    });
    await expect(low.upgrade('proj001', B.id, 'admin')).rejects.toMatchObject({
      code: ErrorCode.INSUFFICIENT_RESOURCES,
      data: { resource: 'disk', operation: 'upgrade', diskFreeMb: 1500, requiredMb: 2048 },
    });
    expect(hookSaw).toBeUndefined();
    expect(engine.images.has('example/auth:b')).toBe(false);
    expect(registry.get('proj001')).toMatchObject({ status: 'running', release: 'test-a' });
    expect(imageOnDisk('proj001', 'auth')).toBe(A.images.auth);
  });

  it('recreates the database first, alone, when its image changes', async () => {
    await running('proj001');
    composeCalls.length = 0;
    await upgrader.upgrade('proj001', DB.id, 'admin');
    expect(composeCalls).toEqual(['up --no-deps db', 'up']);
  });

  it('rolls back to the previous release when a new image never turns healthy', async () => {
    await running('proj001');
    const filesBefore = render(registry.get('proj001')!, secrets).files;
    const error = await upgrader.upgrade('proj001', BAD.id, 'admin').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCode.UPGRADE_ROLLED_BACK,
      data: { cause: ErrorCode.UNHEALTHY, service: 'auth', rolledBack: true, from: 'test-a' },
    });
    const after = registry.get('proj001')!;
    expect(after).toMatchObject({ status: 'running', release: 'test-a' });
    expect(after.error?.code).toBe(ErrorCode.UPGRADE_ROLLED_BACK);
    for (const f of filesBefore) {
      expect(await readFile(path.join(dir('proj001'), f.path), 'utf8')).toBe(f.content);
    }
    expect(steps('proj001').slice(-2)).toEqual(['rollback:started', 'rollback:done']);
    expect(audits.at(-1)).toMatchObject({ result: 'error' });
  });

  it('judges the new release by its own, shorter health deadline, not the agent’s', async () => {
    await running('proj001');
    // The agent would wait a minute for a creation; the upgrade gives the new release 150 ms.
    lifecycle.driver.deps.config.healthTimeoutMs = 60_000;
    const quick = new Upgrader({
      driver: lifecycle.driver,
      locks,
      catalog,
      overrides: {},
      readSecrets: async () => secrets,
      render,
      audit: () => {},
      healthTimeoutMs: 150,
    });
    const t0 = Date.now();
    const error = await quick.upgrade('proj001', BAD.id, 'admin').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCode.UPGRADE_ROLLED_BACK,
      data: { cause: ErrorCode.UNHEALTHY, service: 'auth', rolledBack: true },
    });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(registry.get('proj001')).toMatchObject({ status: 'running', release: 'test-a' });
  }, 20_000);

  it('ends with a diagnosis: a failing check is in the result, the last event and the audit', async () => {
    await running('proj001');
    const report = (status: 'ok' | 'fail') => ({
      instanceId: 'proj001',
      at: new Date().toISOString(),
      status,
      durationMs: 3,
      checks: [
        { id: 'kong-routes', title: 'Kong routes', status, evidence: 'GET /auth/v1/health: 502' },
      ],
    });
    const diagnosed = new Upgrader({
      driver: lifecycle.driver,
      locks,
      catalog,
      overrides: {},
      readSecrets: async () => secrets,
      render,
      audit: (e) => audits.push(e),
      diagnose: async () => report('fail'),
    });
    const r = await diagnosed.upgrade('proj001', B.id, 'admin');
    // A failing check reports; it does not undo a healthy upgrade.
    expect(r.instance).toMatchObject({ status: 'running', release: 'test-b' });
    expect(r.diagnosis?.checks[0]).toMatchObject({ id: 'kong-routes', status: 'fail' });
    expect(lifecycle.progress('proj001').events.at(-1)).toMatchObject({
      step: 'health',
      status: 'done',
      message: expect.stringContaining('Kong routes (fail: GET /auth/v1/health: 502)'),
    });
    expect(audits.at(-1)).toMatchObject({ result: 'ok', detail: { diagnosis: 'fail' } });

    // A diagnosis that cannot run says so, and the upgrade still stands.
    const blind = new Upgrader({
      driver: lifecycle.driver,
      locks,
      catalog,
      overrides: {},
      readSecrets: async () => secrets,
      render,
      audit: () => {},
      diagnose: async () => {
        throw new Error('docker exec failed');
      },
    });
    const back = await blind.upgrade('proj001', DB.id, 'admin');
    expect(back.diagnosis).toBeUndefined();
    expect(back.instance.release).toBe('test-db');
    expect(lifecycle.progress('proj001').events.at(-1)?.message).toContain(
      'The diagnosis could not run.',
    );
  });

  it('leaves the project untouched when an image cannot be pulled', async () => {
    await running('proj001');
    engine.pullImage = async () => {
      throw new DockerError(ErrorCode.PULL_FAILED, 'manifest unknown');
    };
    await expect(upgrader.upgrade('proj001', B.id, 'admin')).rejects.toMatchObject({
      code: ErrorCode.PULL_FAILED,
    });
    expect(registry.get('proj001')).toMatchObject({ status: 'running', release: 'test-a' });
    expect(imageOnDisk('proj001', 'auth')).toBe(A.images.auth);
  });

  it('never changes the Postgres major, and refuses an unknown release', async () => {
    await running('proj001');
    await expect(upgrader.upgrade('proj001', PG17.id, 'admin')).rejects.toMatchObject({
      code: ErrorCode.POSTGRES_MAJOR_CHANGE,
    });
    await expect(upgrader.upgrade('proj001', 'nope', 'admin')).rejects.toMatchObject({
      code: ErrorCode.RELEASE_NOT_FOUND,
    });
    expect(registry.get('proj001')!.release).toBe('test-a');
    // Without --to: the newest release on the same major (test-db), not test-pg17.
    expect((await upgrader.plan('proj001')).to).toBe('test-db');
  });

  it('does nothing for a project already on the release', async () => {
    await running('proj001');
    composeCalls.length = 0;
    const { plan } = await upgrader.upgrade('proj001', A.id, 'admin');
    expect(plan.upToDate).toBe(true);
    expect(composeCalls).toEqual([]);
  });
});

describe('the backup an upgrade takes first (backups service seam)', () => {
  interface Seen {
    holder: string | undefined;
    pulled: boolean;
    dbImage: string;
    composeCalls: string[];
  }
  let taken: Array<{ id: string; kind: string } & Seen>;
  let restored: Array<{ id: string; backupId: string } & Seen>;
  let backupFails: Error | undefined;

  /** Like the service: the *Held calls refuse a caller without the lock, and never take it. */
  const backups: HeldBackups = {
    backupHeld: (id, { kind }) => {
      if (!locks.isBusy(id)) throw new Error('backupHeld without the lock');
      taken.push({ id, kind, ...seen(id) });
      return {
        done: backupFails
          ? Promise.reject(backupFails)
          : Promise.resolve({ manifest: { id: 'b1' } }),
      };
    },
    restoreDatabaseHeld: (id, backupId) => {
      if (!locks.isBusy(id)) throw new Error('restoreDatabaseHeld without the lock');
      restored.push({ id, backupId, ...seen(id) });
      return { done: Promise.resolve() };
    },
  };
  const seen = (id: string): Seen => ({
    holder: locks.holder(id),
    pulled: engine.images.has('example/auth:b'),
    dbImage: imageOnDisk(id, 'db'),
    composeCalls: [...composeCalls],
  });
  let withBackups: Upgrader;

  beforeEach(() => {
    taken = [];
    restored = [];
    backupFails = undefined;
    withBackups = new Upgrader({
      driver: lifecycle.driver,
      locks,
      catalog,
      overrides: {},
      readSecrets: async () => secrets,
      render,
      audit: (e) => audits.push(e),
      beforeUpgrade: backupFirst(backups),
    });
  });

  it('takes a pre-upgrade backup under the upgrade lock before pulling anything', async () => {
    await running('proj001');
    const { instance } = await withBackups.upgrade('proj001', B.id, 'admin');
    expect(taken).toEqual([
      expect.objectContaining({
        id: 'proj001',
        kind: 'pre-upgrade',
        holder: 'upgrade',
        pulled: false,
      }),
    ]);
    expect(instance).toMatchObject({ status: 'running', release: 'test-b' });
    expect(
      lifecycle.progress('proj001').events.find((e) => e.step === 'backup' && e.status === 'done'),
    ).toMatchObject({ message: 'Backup b1 taken.' });
    // The database image did not change: its data never met a new image, nothing to restore.
    expect(restored).toEqual([]);
    expect(locks.isBusy('proj001')).toBe(false);
  });

  it('stops with UPGRADE_BACKUP_FAILED and changes nothing when the backup fails', async () => {
    await running('proj001');
    composeCalls.length = 0;
    backupFails = new CodedError(
      ErrorCode.BACKUP_DESTINATION_UNREACHABLE,
      'The SFTP server did not answer.',
    );
    const error = await withBackups.upgrade('proj001', B.id, 'admin').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCode.UPGRADE_BACKUP_FAILED,
      data: { cause: ErrorCode.BACKUP_DESTINATION_UNREACHABLE },
    });
    expect((error as Error).message).toContain('The SFTP server did not answer.');
    expect(registry.get('proj001')).toMatchObject({ status: 'running', release: 'test-a' });
    expect(registry.get('proj001')!.error).toBeUndefined();
    expect(imageOnDisk('proj001', 'auth')).toBe(A.images.auth);
    expect(engine.images.has('example/auth:b')).toBe(false);
    expect(composeCalls).toEqual([]);
    expect(steps('proj001')).toEqual(['backup:started', 'backup:failed']);
    expect(locks.isBusy('proj001')).toBe(false);
    expect(audits.at(-1)).toMatchObject({
      action: 'instances.upgrade.finish',
      result: 'error',
      code: ErrorCode.UPGRADE_BACKUP_FAILED,
    });
  });

  it('puts the backup’s database back when the new database image ran before a failure', async () => {
    await running('proj001');
    composeCalls.length = 0;
    const error = await withBackups.upgrade('proj001', DB_BAD.id, 'admin').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCode.UPGRADE_ROLLED_BACK,
      data: { cause: ErrorCode.UNHEALTHY, rolledBack: true, from: 'test-a' },
    });
    expect(taken.map((t) => t.kind)).toEqual(['pre-upgrade']);
    // Restored once, from the backup this upgrade took, still under the upgrade's lock, into
    // the old database image, started alone (and healthy) just before.
    expect(restored).toEqual([
      expect.objectContaining({ id: 'proj001', backupId: 'b1', holder: 'upgrade' }),
    ]);
    expect(restored[0]!.dbImage).toBe(A.images.db);
    expect(restored[0]!.composeCalls).toEqual(['up --no-deps db', 'up', 'up --no-deps db']);
    expect(composeCalls.at(-1)).toBe('up');
    expect(registry.get('proj001')).toMatchObject({ status: 'running', release: 'test-a' });
  });

  it('leaves the database alone in a rollback when its image did not change', async () => {
    await running('proj001');
    await expect(withBackups.upgrade('proj001', BAD.id, 'admin')).rejects.toMatchObject({
      code: ErrorCode.UPGRADE_ROLLED_BACK,
    });
    expect(taken).toHaveLength(1);
    expect(restored).toEqual([]);
  });
});

describe('the Postgres major upgrade (dump, new data directory, restore)', () => {
  const PG17_BAD: StackRelease = {
    ...PG17,
    id: 'test-pg17-bad',
    date: '2026-04-30',
    images: { ...PG17.images, auth: 'example/auth:bad' },
  };
  const pgCatalog = new ReleaseCatalog([A, B, PG17, PG17_BAD]);
  let pg: PostgresMajorUpgrader;
  let restored: Array<{ dbImage: string; liveMarker: boolean; asideMarker: boolean }>;
  let backedUp: string[];
  let backups: HeldBackups;
  const dataDir = (id: string) => path.join(dir(id), 'volumes/db/data');
  const marker = (d: string) =>
    readFile(path.join(d, 'PG_VERSION'), 'utf8').then(
      () => true,
      () => false,
    );

  beforeEach(() => {
    restored = [];
    backedUp = [];
    backups = {
      backupHeld: (id) => {
        backedUp.push(`${id}:${locks.holder(id)}`);
        return { done: Promise.resolve({ manifest: { id: 'b9' } }) };
      },
      restoreDatabaseHeld: (id) => ({
        done: (async () => {
          restored.push({
            dbImage: imageOnDisk(id, 'db'),
            liveMarker: await marker(dataDir(id)),
            asideMarker: await marker(`${dataDir(id)}.pg15`),
          });
        })(),
      }),
    };
    pg = new PostgresMajorUpgrader({
      driver: lifecycle.driver,
      locks,
      catalog: pgCatalog,
      overrides: {},
      readSecrets: async () => secrets,
      render: (i, s) =>
        renderStack(
          stackInputFor(i, s, { images: {}, externalHost: undefined, releases: pgCatalog }),
        ),
      audit: (e) => audits.push(e),
      backups,
    });
  });

  /** A project on A whose data directory holds an old cluster's file. */
  async function withData(id: string) {
    await running(id);
    await mkdir(dataDir(id), { recursive: true });
    await writeFile(path.join(dataDir(id), 'PG_VERSION'), '15\n');
  }

  it('asks for the project name, and never moves down or sideways', async () => {
    await withData('proj001');
    await expect(
      pg.upgrade('proj001', { release: PG17.id, confirm: 'wrong' }, 'admin'),
    ).rejects.toMatchObject({ code: ErrorCode.CONFIRMATION_MISMATCH });
    await expect(
      pg.upgrade('proj001', { release: B.id, confirm: 'proj001' }, 'admin'),
    ).rejects.toMatchObject({ code: ErrorCode.POSTGRES_MAJOR_CHANGE });
    expect(backedUp).toEqual([]);
    expect(registry.get('proj001')).toMatchObject({ status: 'running', release: 'test-a' });
    expect(await marker(dataDir('proj001'))).toBe(true);
  });

  it('refuses up front when the disk cannot hold the dump and a new data directory', async () => {
    await withData('proj001');
    // 3000 MB free: enough for an ordinary upgrade (2048), not with a 600 MB database twice.
    const guard = diskGuard({
      dataDir: '/nonexistent-ub-reserve', // refused: the reserve is never made
      config: { resources: { minFreeDiskMb: 100 } },
      readHost: async () => ({ diskFreeMb: 3000, diskTotalMb: 20_000 }),
    });
    const low = new PostgresMajorUpgrader({
      driver: lifecycle.driver,
      locks,
      catalog: pgCatalog,
      overrides: {},
      readSecrets: async () => secrets,
      render: (i, s) =>
        renderStack(
          stackInputFor(i, s, { images: {}, externalHost: undefined, releases: pgCatalog }),
        ),
      audit: (e) => audits.push(e),
      backups,
      checkDisk: (bytes) => guard.check('postgres-upgrade')(postgresUpgradeNeed(bytes)),
      dataDirectoryBytes: async () => 600 * 2 ** 20,
    });
    await expect(
      low.upgrade('proj001', { release: PG17.id, confirm: 'proj001' }, 'admin'),
    ).rejects.toMatchObject({
      code: ErrorCode.INSUFFICIENT_RESOURCES,
      data: { operation: 'postgres-upgrade', requiredMb: 2048 + 1200, extraMb: 1200 },
    });
    expect(backedUp).toEqual([]);
    expect(registry.get('proj001')).toMatchObject({ status: 'running', release: 'test-a' });
    expect(await marker(dataDir('proj001'))).toBe(true);
  });

  it('restores the backup into a new, empty data directory on the new major, then drops the old', async () => {
    await withData('proj001');
    const plan = await pg.plan('proj001');
    expect(plan).toMatchObject({
      to: 'test-pg17',
      fromMajor: 15,
      toMajor: 17,
      databaseChanges: true,
    });
    const { instance } = await pg.upgrade('proj001', { confirm: 'proj001' }, 'admin');
    expect(backedUp).toEqual(['proj001:upgrade']);
    // At the restore: the new image runs on an empty directory; the old one is aside, intact.
    expect(restored).toEqual([{ dbImage: PG17.images.db, liveMarker: false, asideMarker: true }]);
    expect(instance).toMatchObject({ status: 'running', release: 'test-pg17' });
    expect(imageOnDisk('proj001', 'db')).toBe(PG17.images.db);
    expect(await marker(`${dataDir('proj001')}.pg15`)).toBe(false);
    expect(audits.at(-1)).toMatchObject({
      action: 'instances.upgradePostgres.finish',
      result: 'ok',
    });
  });

  it('rolls back to the untouched old data directory when the new release fails', async () => {
    await withData('proj001');
    const filesBefore = render(registry.get('proj001')!, secrets).files;
    const error = await pg
      .upgrade('proj001', { release: PG17_BAD.id, confirm: 'proj001' }, 'admin')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCode.UPGRADE_ROLLED_BACK,
      data: { cause: ErrorCode.UNHEALTHY, rolledBack: true, from: 'test-a' },
    });
    expect(restored).toHaveLength(1);
    expect(await marker(dataDir('proj001'))).toBe(true);
    expect(await marker(`${dataDir('proj001')}.pg15`)).toBe(false);
    for (const f of filesBefore) {
      expect(await readFile(path.join(dir('proj001'), f.path), 'utf8')).toBe(f.content);
    }
    expect(registry.get('proj001')).toMatchObject({ status: 'running', release: 'test-a' });
    expect(locks.isBusy('proj001')).toBe(false);
  });

  it('refuses while an earlier attempt’s old data directory is still aside', async () => {
    await withData('proj001');
    await mkdir(`${dataDir('proj001')}.pg15`);
    await expect(pg.upgrade('proj001', { confirm: 'proj001' }, 'admin')).rejects.toMatchObject({
      code: ErrorCode.INVALID_STATE,
    });
    expect(backedUp).toEqual([]);
    expect(registry.get('proj001')).toMatchObject({ status: 'running', release: 'test-a' });
  });
});

describe('Slots', () => {
  it('runs at most `size` at once, the rest in call order', async () => {
    const slots = new Slots(2);
    let now = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        slots.run(async () => {
          now++;
          peak = Math.max(peak, now);
          order.push(n);
          await new Promise((r) => setTimeout(r, 5));
          now--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });
});
