// Upgrading a real stack on stand-in images (test/rig/images.json) between stand-in releases:
// release B retags two images and changes one kit file (the sample function). A project with
// data moves from A to B and keeps every row and its secrets. Then, with the real backups
// service (restic stand-in, local repository) as "backup first": an upgrade that changes the db
// image, whose "migration" changes data on the new db, and whose auth never turns healthy
// (images-extra.json `unhealthy`) rolls back to B, healthy, with the pre-upgrade backup's
// database, every row as it was. The new release gets a short health deadline (config
// `upgradeHealthTimeoutMs`), so no case waits out the agent's own. Last, the Postgres major
// upgrade's machinery on a STAND-IN "17" image (the PG 15 stand-in retagged: no real 17 here):
// the dump restored into a new data directory on the new image, then a failure and the switch
// back to the untouched old directory.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCredentials, type InstanceSecrets } from '../../remote-agent/src/credentials';
import { createDockerEngine, type DockerEngine } from '../../remote-agent/src/docker/engine';
import { createDockerHost, type DockerHost } from '../../remote-agent/src/docker/host';
import { stackInputFor } from '../../remote-agent/src/instances/stack-input';
import { InstanceLocks } from '../../remote-agent/src/instances/state';
import { createLifecycle, type DockerLifecycle } from '../../remote-agent/src/lifecycle';
import type { LifecycleDeps } from '../../remote-agent/src/lifecycle/types';
import { imageName, renderStack, writeStackFiles } from '../../remote-agent/src/stack';
import {
  BUILTIN_RELEASES,
  LEGACY_RELEASE_ID,
  ReleaseCatalog,
  type StackRelease,
} from '../../remote-agent/src/stack/releases';
import { BackupService } from '../../remote-agent/src/backups/service';
import { backupFirst } from '../../remote-agent/src/upgrades/backup-first';
import { PostgresMajorUpgrader } from '../../remote-agent/src/upgrades/postgres-major';
import {
  Upgrader,
  type BeforeUpgrade,
  type UpgraderDeps,
} from '../../remote-agent/src/upgrades/upgrader';
import { ErrorCode } from '@protocol/error-codes';
import type { AgentEvent, Instance } from '@protocol/types';
import { ensurePostgres17Standin, ensureResticStandin, ensureStandinImages } from '../rig/images';
import { MemoryRegistry, freePorts, instanceStatusEvent, newInstance } from './lifecycle-helpers';
import { RIG_HEALTHCHECK_INTERVAL_MS } from './rig-agent';

function docker(args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('docker', args, { timeout: timeoutMs }, (err, stdout, stderr) =>
      err
        ? reject(new Error(`docker ${args.join(' ')}: ${err.message}\n${stderr}`))
        : resolve(stdout),
    ),
  );
}

describe('upgrading a project between stand-in releases on the real engine', () => {
  let engine: DockerEngine;
  let host: DockerHost;
  let lifecycle: DockerLifecycle;
  let registry: MemoryRegistry;
  let upgrader: Upgrader;
  let upgraderDeps: UpgraderDeps;
  let backups: BackupService;
  /** The upgrades' backup-first hook; only the backup-first case sets one. */
  let hook: BeforeUpgrade | undefined;
  let dataDir: string;
  let config: LifecycleDeps['config'];
  let catalog: ReleaseCatalog;
  let secrets: InstanceSecrets;
  let inst: Instance;
  const retagged: string[] = [];
  const instanceDir = (id: string) => join(dataDir, 'instances', id);
  const render = (i: Instance, s: InstanceSecrets) =>
    renderStack(
      stackInputFor(i, s, {
        images: {},
        externalHost: undefined,
        releases: catalog,
        healthcheckIntervalMs: RIG_HEALTHCHECK_INTERVAL_MS,
      }),
    );

  async function containerOf(service: string) {
    const all = await engine.listContainers({ project: inst.project });
    return all.find((c) => c.Labels['com.docker.compose.service'] === service)!;
  }
  async function sql(query: string): Promise<string> {
    const db = await containerOf('db');
    const out = await docker([
      'exec',
      db.Id,
      '/usr/lib/postgresql/15/bin/psql',
      '-h',
      'localhost',
      '-U',
      'postgres',
      '-d',
      'postgres',
      '-tAc',
      query,
    ]);
    return out.trim();
  }

  beforeAll(async () => {
    const { images, extra } = await ensureStandinImages();
    const legacy = BUILTIN_RELEASES.find((r) => r.id === LEGACY_RELEASE_ID)!;
    const standin = (ref: string) => images[imageName(ref)]!;
    const imagesA = Object.fromEntries(
      Object.entries(legacy.images).map(([s, ref]) => [s, standin(ref)]),
    ) as StackRelease['images'];
    // Release B: two images under new tags (the same stand-in content, as a patch release
    // often is), and one changed kit file.
    const retag = async (ref: string) => {
      const tag = `${imageName(ref)}:release-b`;
      await docker(['tag', ref, tag]);
      retagged.push(tag);
      return tag;
    };
    // Stand-in tags are content hashes: the Postgres major is declared.
    const A: StackRelease = {
      ...legacy,
      id: 'standin-a',
      date: '2026-01-01',
      images: imagesA,
      postgresMajor: 15,
    };
    const B: StackRelease = {
      ...A,
      id: 'standin-b',
      date: '2026-02-01',
      notes: ['Stand-in release B'],
      images: { ...imagesA, auth: await retag(imagesA.auth), rest: await retag(imagesA.rest) },
      files: [{ path: 'volumes/functions/hello/index.ts', content: '// standin B\n' }],
    };
    // A new database image (a retag: what changes is the image the project runs) together
    // with an auth that never turns healthy: the rollback must bring the database back too.
    const DB_BAD: StackRelease = {
      ...B,
      id: 'standin-db-bad',
      date: '2026-04-01',
      images: { ...B.images, db: await retag(B.images.db), auth: extra.unhealthy! },
    };
    // "Postgres 17" on the stand-in retagged (declared major 17), with an auth that fails.
    const PG17_BAD: StackRelease = {
      ...B,
      id: 'standin-pg17-bad',
      date: '2026-05-01',
      postgresMajor: 17,
      images: { ...B.images, db: await ensurePostgres17Standin(), auth: extra.unhealthy! },
    };
    catalog = new ReleaseCatalog([A, B, DB_BAD, PG17_BAD]);

    dataDir = await mkdtemp(join(tmpdir(), 'ubt-upgrade-'));
    engine = createDockerEngine();
    registry = new MemoryRegistry();
    config = {
      creationConcurrency: 1,
      resources: { minFreeMemoryMb: 256, minFreeDiskMb: 256, maxLoadPerCore: 1000 },
      dataDir,
      healthTimeoutMs: 240_000,
    };
    host = createDockerHost({ dataDir, engine });
    const locks = new InstanceLocks();
    lifecycle = createLifecycle({
      registry,
      docker: host,
      locks,
      instanceDir,
      emit: (e) => registry.emit(e),
      audit: () => {},
      config,
    });
    await host.versions();
    backups = new BackupService({
      dataDir,
      images: { 'restic/restic': await ensureResticStandin() },
      agentVersion: 'test',
      getInstance: (i) => registry.get(i),
      instanceDir,
      postgresPassword: async () => secrets.postgresPassword,
      compose: () => host.compose(),
      locks,
      emit: () => {},
      now: () => new Date(),
    });
    upgraderDeps = {
      driver: lifecycle.driver,
      locks,
      catalog,
      overrides: {},
      readSecrets: async () => secrets,
      render,
      audit: () => {},
      beforeUpgrade: async (i, p) => hook?.(i, p),
    };
    upgrader = new Upgrader(upgraderDeps);

    const id = `upg${Date.now().toString(36)}`;
    const [kongHttp, kongHttps, postgres, poolerTransaction] = await freePorts(4);
    const ports = {
      kongHttp: kongHttp!,
      kongHttps: kongHttps!,
      postgres: postgres!,
      poolerTransaction: poolerTransaction!,
    };
    secrets = generateCredentials();
    inst = { ...newInstance(id, ports), release: 'standin-a' };
    await writeStackFiles(instanceDir(id), render(inst, secrets));
    registry.add(inst);
    lifecycle.enqueueCreate(id);
    await registry.waitFor(
      (e) =>
        e.type === 'instance.changed' &&
        e.instance.id === id &&
        ['running', 'failed'].includes(e.instance.status),
      300_000,
    );
    expect(registry.get(id)?.error).toBeUndefined();
  }, 360_000);

  afterAll(async () => {
    if (inst) {
      const cmp = await host.compose().catch(() => undefined);
      await cmp
        ?.run({ name: inst.project, dir: instanceDir(inst.id) }, 'down', { timeoutMs: 120_000 })
        .catch(() => undefined);
    }
    await lifecycle?.close();
    await host?.close();
    for (const tag of retagged) await docker(['rmi', tag]).catch(() => undefined);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('moves a project with data to release B: every row and its secrets kept, healthy', async () => {
    await sql('create table upgrade_rows (n int primary key, note text)');
    await sql("insert into upgrade_rows select g, 'row ' || g from generate_series(1, 5000) g");
    const envBefore = await readFile(join(instanceDir(inst.id), '.env'), 'utf8');
    const plan = await upgrader.plan(inst.id, 'standin-b');
    expect(plan.images.map((c) => c.service).sort()).toEqual(['auth', 'rest']);
    expect(plan.databaseChanges).toBe(false);

    const t0 = performance.now();
    const { instance } = await upgrader.upgrade(inst.id, 'standin-b', 'admin');
    console.log(`[upgrade timing] A → B: ${(performance.now() - t0).toFixed(0)} ms`);
    expect(instance).toMatchObject({ status: 'running', release: 'standin-b' });
    expect((await containerOf('auth')).Image).toBe(catalog.get('standin-b').images.auth);
    expect(await sql('select count(*) from upgrade_rows')).toBe('5000');
    expect(await sql('select note from upgrade_rows where n = 4321')).toBe('row 4321');
    expect(await readFile(join(instanceDir(inst.id), '.env'), 'utf8')).toBe(envBefore);
    expect(
      await readFile(join(instanceDir(inst.id), 'volumes/functions/hello/index.ts'), 'utf8'),
    ).toBe('// standin B\n');
    const services = registry.get(inst.id)!.services!;
    expect(services.every((s) => s.state === 'running' && s.health !== 'unhealthy')).toBe(true);
  }, 360_000);

  it('rolls a failed upgrade back to B, healthy, with the pre-upgrade backup’s database', async () => {
    // The new release gets 8 s to turn healthy; the way back keeps the agent's own deadline.
    upgraderDeps.healthTimeoutMs = 8_000;
    const mark = registry.events.length;
    // The db is healthy on its new image when the rest starts: that is when a release's
    // migrations would have run. Ours rewrites rows and adds a table, on the new image.
    const migration = registry
      .waitFor(
        (e: AgentEvent) =>
          e.type === 'instance.progress' &&
          e.event.instanceId === inst.id &&
          e.event.step === 'start' &&
          e.event.status === 'started' &&
          !e.event.service,
        300_000,
        mark,
      )
      .then(async () => {
        expect((await containerOf('db')).Image).toBe(catalog.get('standin-db-bad').images.db);
        await sql("update upgrade_rows set note = 'migrated' where n <= 2500");
        await sql('create table upgrade_marker (x int)');
        expect(await sql("select count(*) from upgrade_rows where note = 'migrated'")).toBe('2500');
      });
    const production = backupFirst(backups);
    let backupMessage: string | undefined;
    hook = async (i, p) => {
      const held = await production(i, p);
      backupMessage = held?.message;
      expect(held?.restoreDatabase).toBeDefined();
      // The real restore, once the new database's "migration" surely ran.
      return {
        ...held,
        restoreDatabase: async () => {
          await migration;
          await held!.restoreDatabase!();
        },
      };
    };
    const t0 = performance.now();
    const error = await upgrader
      .upgrade(inst.id, 'standin-db-bad', 'admin')
      .catch((e: unknown) => e as { code?: string; data?: Record<string, unknown> })
      .finally(() => (hook = undefined));
    console.log(
      `[upgrade timing] backup + db change + rollback with restore: ${(performance.now() - t0).toFixed(0)} ms`,
    );
    console.log(timeline(mark));
    await migration;
    expect(error).toMatchObject({
      code: ErrorCode.UPGRADE_ROLLED_BACK,
      data: { rolledBack: true, from: 'standin-b', to: 'standin-db-bad' },
    });
    expect(backupMessage).toMatch(/^Backup \S+ taken\.$/);
    const [taken] = await backups.list(inst.id);
    expect(taken).toMatchObject({ kind: 'pre-upgrade' });
    await registry.waitFor(instanceStatusEvent(inst.id, 'running'), 10_000, mark);
    expect(registry.get(inst.id)).toMatchObject({ status: 'running', release: 'standin-b' });
    expect((await containerOf('db')).Image).toBe(catalog.get('standin-b').images.db);
    expect((await containerOf('auth')).Image).toBe(catalog.get('standin-b').images.auth);
    expect(await sql('select count(*) from upgrade_rows')).toBe('5000');
    expect(await sql("select count(*) from upgrade_rows where note = 'migrated'")).toBe('0');
    expect(await sql('select note from upgrade_rows where n = 1234')).toBe('row 1234');
    expect(await sql("select to_regclass('public.upgrade_marker') is null")).toBe('t');
    const services = registry.get(inst.id)!.services!;
    expect(services.every((s) => s.state === 'running' && s.health !== 'unhealthy')).toBe(true);
  }, 360_000);

  it('Postgres major upgrade machinery: the dump restored into a new data directory on the new image, then back to the untouched old one', async () => {
    const live = join(instanceDir(inst.id), 'volumes/db/data');
    const oldInode = (await stat(live)).ino;
    let during:
      { image: string; liveIsNew: boolean; asideIsOld: boolean; rows: string } | undefined;
    const pg = new PostgresMajorUpgrader({
      ...upgraderDeps,
      healthTimeoutMs: 8_000,
      backups: {
        backupHeld: (id, options) => backups.backupHeld(id, options),
        // The real restore; around it, what the new cluster looks like.
        restoreDatabaseHeld: (id, backupId) => ({
          done: (async () => {
            await backups.restoreDatabaseHeld(id, backupId).done;
            during = {
              image: (await containerOf('db')).Image,
              liveIsNew: (await stat(live)).ino !== oldInode,
              asideIsOld: (await stat(`${live}.pg15`)).ino === oldInode,
              rows: await sql('select count(*) from upgrade_rows'),
            };
          })(),
        }),
      },
    });
    expect(await pg.plan(inst.id)).toMatchObject({ to: 'standin-pg17-bad', toMajor: 17 });
    const mark = registry.events.length;
    const t0 = performance.now();
    const error = await pg
      .upgrade(inst.id, { confirm: registry.get(inst.id)!.name }, 'admin')
      .catch((e: unknown) => e as { code?: string; data?: Record<string, unknown> });
    console.log(
      `[upgrade timing] Postgres major: backup, new cluster, restore, failure, back: ${(performance.now() - t0).toFixed(0)} ms`,
    );
    console.log(timeline(mark));
    expect(during).toEqual({
      image: catalog.get('standin-pg17-bad').images.db,
      liveIsNew: true,
      asideIsOld: true,
      rows: '5000',
    });
    expect(error).toMatchObject({
      code: ErrorCode.UPGRADE_ROLLED_BACK,
      data: { rolledBack: true, from: 'standin-b', to: 'standin-pg17-bad' },
    });
    await registry.waitFor(instanceStatusEvent(inst.id, 'running'), 10_000, mark);
    expect(registry.get(inst.id)).toMatchObject({ status: 'running', release: 'standin-b' });
    expect((await containerOf('db')).Image).toBe(catalog.get('standin-b').images.db);
    expect((await stat(live)).ino).toBe(oldInode);
    await expect(stat(`${live}.pg15`)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await sql('select count(*) from upgrade_rows')).toBe('5000');
    const services = registry.get(inst.id)!.services!;
    expect(services.every((s) => s.state === 'running' && s.health !== 'unhealthy')).toBe(true);
  }, 360_000);

  /** The upgrade's steps with their times, for the report's numbers. */
  function timeline(since: number): string {
    return registry.events
      .slice(since)
      .flatMap((e) =>
        e.type === 'instance.progress' && e.event.status !== 'progress'
          ? [
              `${e.event.at.slice(11, 23)} ${e.event.step}:${e.event.status} ${e.event.service ?? ''}`,
            ]
          : [],
      )
      .join('\n');
  }
});
