import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BackupManifest } from '@protocol/backups';
import { runBackup } from '../backups/backup-job';
import { applyBackup, readBackBackup } from '../backups/restore-job';
import { hashPassword } from '../auth/password';
import { STATE_FILE } from '../state/store';
import { RpcClient } from '../../../test/integration/agent-harness';
import { DEFAULT_CONFIG, type AgentConfig } from '../config/schema';
import { COMPOSE_PROJECT_LABEL } from '../docker/engine';
import { FakeCompose, FakeDockerEngine } from '../docker/fake-engine';
import { DockerError } from '../docker/docker-error';
import { createDockerHost } from '../docker/host';
import { ErrorCode } from '@protocol/error-codes';
import { createLogger } from '../log/logger';
import { BUILTIN_RELEASES, LEGACY_RELEASE_ID } from '../stack/releases';
import { STACK_VERSION } from '../stack/images';
import type { DiagnosticReport, Instance } from '@protocol/types';
import type { HostReadings } from '../system/resources';
import { createAgent, type Agent } from '../server';
import type { CrashPoint } from './crash-points';
import { OPERATIONS_DIR, type OperationRecord } from './journal';
import { writeFileAtomic } from '@common/atomic-write';

// The crash-point matrix (issue 22): the whole agent over the in-memory Docker, stopped dead at
// each recorded step of each long operation (the step's promise never settles, so nothing
// after it runs, as after `kill -9`), then a new agent on the same data directory. Every cell
// ends with the same checks: no journal left, no project in a transitional status, no Docker
// object without a project that should have it, files on disk matching the registry, and the
// project's `lastOperation` saying what became of the operation. The real process kill on real
// Docker is test/integration/agent-crash.test.ts.

// Restic and psql do not run on the in-memory Docker: the jobs that move data are recorders here
// (the rig's backups test runs them for real), so a restore reaches its `replace` step and its
// recovery runs the real journal, lock, stack and registry code around them.
vi.mock('../backups/backup-job', async (original) => ({
  ...(await original<typeof import('../backups/backup-job')>()),
  runBackup: vi.fn(),
}));
// The fake engine's containers run no process to find a database in; the stack's stop and start
// stay real (compose over the fake engine), so what a kill leaves stopped is what Docker shows.
vi.mock('../backups/project-stack', async (original) => ({
  ...(await original<typeof import('../backups/project-stack')>()),
  dbContainer: vi.fn(async () => 'c0ffee'),
}));
vi.mock('../backups/restore-job', async (original) => ({
  ...(await original<typeof import('../backups/restore-job')>()),
  applyBackup: vi.fn(),
  readBackBackup: vi.fn(),
}));

function recordedBackups(): void {
  let n = 0;
  vi.mocked(runBackup).mockImplementation(async (_deps, input) => {
    const at = new Date().toISOString();
    const manifest: BackupManifest = {
      format: 1,
      id: `b${String(++n).padStart(10, '0')}`,
      kind: input.kind,
      instanceId: input.instance.id,
      instanceName: input.instance.name,
      agentVersion: 'test',
      startedAt: at,
      finishedAt: at,
      database: { file: 'db.sql', bytes: 10, sha256: 'x', durationMs: 1, tables: [] },
      roles: { bytes: 1, sha256: 'y' },
      files: { count: 0, bytes: 0, durationMs: 1, entries: [] },
      snapshots: { local: { db: 's1', files: 's2' } },
    };
    return { manifest, added: { local: 1 } };
  });
  vi.mocked(readBackBackup).mockImplementation(async (_deps, input) => ({
    manifest: input.manifest,
    target: input.target,
    dbSnapshot: 's1',
    staging: input.staging,
    roles: '',
  }));
  vi.mocked(applyBackup).mockResolvedValue(undefined as never);
}

const roomy: HostReadings = {
  cpus: 4,
  load1: 0.1,
  memoryTotalMb: 16_000,
  memoryAvailableMb: 12_000,
  diskTotalMb: 100_000,
  diskFreeMb: 80_000,
};

const config: AgentConfig = {
  ...DEFAULT_CONFIG,
  portRanges: {
    kongHttp: [42000, 42099],
    kongHttps: [42100, 42199],
    postgres: [42200, 42299],
    poolerTransaction: [42300, 42399],
  },
};

const PASSWORD = 'correct horse battery';
let dataDir: string;
let engine: FakeDockerEngine;
let compose: FakeCompose;
let agents: Agent[];
let armed: { at: string; hit: () => void } | undefined;
/** Runs the real "backup first" of upgrades (over the recorded backup jobs below). */
let withUpgradeBackup = false;

/** Hangs the operation for good at the armed `<kind>:<step>`, once. */
const crashPoint: CrashPoint = (kind, step) => {
  if (!armed || armed.at !== `${kind}:${step}`) return;
  armed.hit();
  armed = undefined;
  return new Promise<void>(() => {});
};

function arm(at: string): Promise<void> {
  return new Promise((resolve) => (armed = { at, hit: resolve }));
}

async function start(
  overrides: Partial<AgentConfig> = {},
): Promise<{ agent: Agent; client: RpcClient }> {
  const agent = await createAgent({
    dataDir,
    config: { ...config, ...overrides },
    docker: createDockerHost({ dataDir, engine, compose, readHost: async () => roomy }),
    detectExternalHost: () => '203.0.113.7',
    isPortBindable: async () => true,
    logger: createLogger({ sink: () => undefined }),
    healthTimeoutMs: 2_000,
    lifecycle: { attempts: 1, retryBaseMs: 1, statusDebounceMs: 5 },
    startScheduler: false,
    alerts: false,
    crashPoint,
    // Fake Docker has no database to dump: the backup before an upgrade is its own cell (the
    // cells with recorded backups run the real one).
    ...(withUpgradeBackup ? {} : { beforeUpgrade: async () => {} }),
  });
  agents.push(agent);
  const toAgent = new PassThrough();
  const fromAgent = new PassThrough();
  agent.connect(toAgent, fromAgent);
  const client = new RpcClient(fromAgent, toAgent);
  await client.login('admin', PASSWORD);
  return { agent, client };
}

/** The crash: this agent does nothing more (its data-dir lock goes, as with a dead process). */
async function crashAndRestart(
  agent: Agent,
  overrides: Partial<AgentConfig> = {},
): Promise<{ agent: Agent; client: RpcClient }> {
  await agent.close();
  agents = agents.filter((a) => a !== agent);
  return start(overrides);
}

async function until<T>(what: string, probe: () => T | undefined, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function createRunning(agent: Agent, client: RpcClient, name: string): Promise<Instance> {
  const { instance } = await client.call<{ instance: Instance }>('instances.create', { name });
  const running = await until('the instance to run', () => {
    const now = agent.registry.get(instance.id);
    if (now?.status === 'failed') throw new Error(JSON.stringify(now.error));
    return now?.status === 'running' ? now : undefined;
  });
  // `running` is written just before the creation's journal record goes: wait for that too.
  await agent.lifecycle.idle();
  return running;
}

const TRANSITIONAL = ['queued', 'creating', 'starting', 'stopping', 'restarting', 'deleting'];

/** What every cell must end with, whatever the operation and the step. */
async function expectTruthful(agent: Agent): Promise<void> {
  expect(await readdir(path.join(dataDir, OPERATIONS_DIR))).toEqual([]);
  const instances = agent.registry.list();
  const owners = new Set(
    instances.filter((i) => i.status !== 'failed' && i.status !== 'created').map((i) => i.project),
  );
  for (const i of instances) {
    expect(TRANSITIONAL, `${i.name} is ${i.status}`).not.toContain(i.status);
    if (i.status === 'running') {
      const containers = engine.projectContainers(i.project);
      expect(containers.length).toBeGreaterThan(0);
      expect(containers.every((c) => c.status === 'running')).toBe(true);
    }
  }
  // Every Docker object belongs to a project that should have one: nothing orphaned.
  const labelled = [
    ...[...engine.containers.values()].map((c) => c.project),
    ...[...engine.networks.values(), ...engine.volumes.values()].map(
      (o) => o.Labels?.[COMPOSE_PROJECT_LABEL] ?? '',
    ),
  ];
  for (const project of labelled) expect(owners, `orphan of ${project}`).toContain(project);
  // Files on disk are the registry's, and no two entries claim one port or subnet.
  const dirs = await readdir(path.join(dataDir, 'instances')).catch(() => []);
  expect(dirs.sort()).toEqual(instances.map((i) => i.id).sort());
  const ports = instances.flatMap((i) => Object.values(i.ports));
  expect(new Set(ports).size).toBe(ports.length);
  const subnets = instances.flatMap((i) => (i.subnet ? [i.subnet] : []));
  expect(new Set(subnets).size).toBe(subnets.length);
}

/** Deleting what is left must leave Docker, the disk and the port/subnet books empty. */
async function expectCleanAfterDeleting(agent: Agent, client: RpcClient): Promise<void> {
  for (const i of agent.registry.list()) await client.call('instances.delete', { id: i.id });
  expect(engine.containers.size + engine.networks.size + engine.volumes.size).toBe(0);
  expect(agent.registry.list()).toEqual([]);
  expect(await readdir(path.join(dataDir, 'instances')).catch(() => [])).toEqual([]);
}

async function diagnosedFiles(client: RpcClient, id: string): Promise<string | undefined> {
  const { report } = await client.call<{ report: DiagnosticReport }>('instances.diagnose', { id });
  return report.checks.find((c) => c.id === 'files')?.status;
}

// Each cell starts two agents and logs in twice: with the real scrypt cost that is most of its
// time. The stored hash names its own cost, so a cheap one is written once per cell.
let adminHash: string;
beforeAll(async () => {
  adminHash = await hashPassword(PASSWORD, { N: 1 << 10, r: 8, p: 1 });
});

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'ub-crash-'));
  const at = new Date().toISOString();
  const admin = {
    username: 'admin',
    role: 'admin',
    passwordHash: adminHash,
    disabled: false,
    grants: [],
    createdAt: at,
    updatedAt: at,
  };
  await writeFileAtomic(
    path.join(dataDir, STATE_FILE),
    JSON.stringify({ schemaVersion: 1, users: { admin }, sessions: {}, instances: {} }),
  );
  engine = new FakeDockerEngine();
  compose = new FakeCompose(engine);
  agents = [];
  armed = undefined;
});

afterEach(async () => {
  for (const agent of agents) await agent.close().catch(() => undefined);
  await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
});

describe('crash-point matrix: creation', () => {
  it.each([
    ['resources', 'rolled-back'],
    ['docker', 'rolled-back'],
    ['pull', 'rolled-back'],
    ['start', 'rolled-back'],
    ['health', 'completed'],
  ] as const)('killed at %s: %s on restart', async (step, outcome) => {
    const first = await start();
    const crashed = arm(`create:${step}`);
    const { instance } = await first.client.call<{ instance: Instance }>('instances.create', {
      name: 'Shop',
    });
    await crashed;
    const { agent, client } = await crashAndRestart(first.agent);

    const after = agent.registry.get(instance.id)!;
    expect(after.status).toBe(outcome === 'completed' ? 'running' : 'failed');
    expect(after.lastOperation).toMatchObject({ kind: 'create', step, outcome });
    expect(after.lastOperation!.message).toContain(`interrupted at step "${step}"`);
    if (outcome === 'rolled-back') expect(engine.leftovers(instance.project)).toEqual([]);
    await expectTruthful(agent);
    await expectCleanAfterDeleting(agent, client);
  });
});

describe('crash-point matrix: an operation killed while rolling itself back', () => {
  const upFails = () =>
    (compose.failOn.up = new DockerError(ErrorCode.START_FAILED, 'compose up failed (test)'));

  it('a failed creation: rolled back on restart, not taken for one waiting for health', async () => {
    const first = await start();
    upFails();
    const crashed = arm('create:rollback');
    const { instance } = await first.client.call<{ instance: Instance }>('instances.create', {
      name: 'Failing',
    });
    await crashed;
    compose.failOn = {};
    const { agent, client } = await crashAndRestart(first.agent);

    expect(agent.registry.get(instance.id)).toMatchObject({
      status: 'failed',
      lastOperation: { kind: 'create', step: 'rollback', outcome: 'rolled-back' },
    });
    expect(engine.leftovers(instance.project)).toEqual([]);
    await expectTruthful(agent);
    await expectCleanAfterDeleting(agent, client);
  });

  it('a failed settings change: the previous settings are back on restart', async () => {
    const first = await start();
    const inst = await createRunning(first.agent, first.client, 'Failing change');
    upFails();
    const crashed = arm('apply:rollback');
    void first.client
      .call('instances.settings.set', {
        id: inst.id,
        changes: { 'auth.siteUrl': 'https://failing.example.com' },
      })
      .catch(() => undefined);
    await crashed;
    compose.failOn = {};
    const { agent, client } = await crashAndRestart(first.agent);

    const after = agent.registry.get(inst.id)!;
    expect(after).toMatchObject({
      status: 'running',
      lastOperation: { kind: 'apply', step: 'rollback', outcome: 'rolled-back' },
    });
    expect(after.settings?.['auth.siteUrl']).toBeUndefined();
    expect(await diagnosedFiles(client, inst.id)).toBe('ok');
    await expectTruthful(agent);
    await expectCleanAfterDeleting(agent, client);
  });
});

describe('crash-point matrix: a creation waiting in the queue', () => {
  it('resumes on restart: the queue lived in memory, the queued record did not', async () => {
    const first = await start({ creationConcurrency: 1 });
    const crashed = arm('create:start');
    const { instance: ahead } = await first.client.call<{ instance: Instance }>(
      'instances.create',
      { name: 'Ahead' },
    );
    await crashed;
    const { instance: queued } = await first.client.call<{ instance: Instance }>(
      'instances.create',
      { name: 'Queued' },
    );
    expect(first.agent.registry.get(queued.id)!.status).toBe('queued');
    const { agent, client } = await crashAndRestart(first.agent);

    expect(agent.registry.get(ahead.id)).toMatchObject({
      status: 'failed',
      lastOperation: { kind: 'create', step: 'start', outcome: 'rolled-back' },
    });
    await until('the queued creation to run', () =>
      agent.registry.get(queued.id)?.status === 'running' ? true : undefined,
    );
    await agent.lifecycle.idle();
    expect(agent.registry.get(queued.id)!.lastOperation).toBeUndefined();
    await expectTruthful(agent);
    await expectCleanAfterDeleting(agent, client);
  });
});

describe('crash-point matrix: deletion', () => {
  it.each(['containers', 'files', 'registry'])(
    'killed at %s: the deletion is finished on restart',
    async (step) => {
      const first = await start();
      const inst = await createRunning(first.agent, first.client, 'Doomed');
      const kept = await createRunning(first.agent, first.client, 'Kept');
      const crashed = arm(`delete:${step}`);
      void first.client.call('instances.delete', { id: inst.id }).catch(() => undefined);
      await crashed;
      const { agent, client } = await crashAndRestart(first.agent);

      expect(agent.registry.get(inst.id)).toBeUndefined();
      expect(engine.leftovers(inst.project)).toEqual([]);
      expect(agent.registry.get(kept.id)).toMatchObject({ status: 'running' });
      await expectTruthful(agent);
      await expectCleanAfterDeleting(agent, client);
    },
  );
});

describe('crash-point matrix: settings apply', () => {
  it.each(['files', 'recreate'])(
    'killed at %s: the previous settings and files are back on restart',
    async (step) => {
      const first = await start();
      const inst = await createRunning(first.agent, first.client, 'Configured');
      const envBefore = await readFile(path.join(dataDir, 'instances', inst.id, '.env'), 'utf8');
      const crashed = arm(`apply:${step}`);
      void first.client
        .call('instances.settings.set', {
          id: inst.id,
          changes: { 'auth.siteUrl': 'https://shop.example.com' },
        })
        .catch(() => undefined);
      await crashed;
      const { agent, client } = await crashAndRestart(first.agent);

      const after = agent.registry.get(inst.id)!;
      expect(after).toMatchObject({ status: 'running' });
      expect(after.settings?.['auth.siteUrl']).toBeUndefined();
      expect(after.lastOperation).toMatchObject({ kind: 'apply', step, outcome: 'rolled-back' });
      expect(await readFile(path.join(dataDir, 'instances', inst.id, '.env'), 'utf8')).toBe(
        envBefore,
      );
      expect(await diagnosedFiles(client, inst.id)).toBe('ok');
      await expectTruthful(agent);
      await expectCleanAfterDeleting(agent, client);
    },
  );

  it.each(['files', 'recreate'])(
    'killed at %s of a JWT rotation: the old secrets are back on restart',
    async (step) => {
      const first = await start();
      const inst = await createRunning(first.agent, first.client, 'Rotated');
      const secretsFile = path.join(dataDir, 'instances', inst.id, 'secrets.json');
      const secretsBefore = await readFile(secretsFile, 'utf8');
      const crashed = arm(`apply:${step}`);
      void first.client
        .call('instances.settings.rotate', { id: inst.id, secret: 'jwt' })
        .catch(() => undefined);
      await crashed;
      const { agent, client } = await crashAndRestart(first.agent);

      expect(JSON.parse(await readFile(secretsFile, 'utf8'))).toEqual(JSON.parse(secretsBefore));
      expect(agent.registry.get(inst.id)).toMatchObject({
        status: 'running',
        lastOperation: { kind: 'apply', outcome: 'rolled-back' },
      });
      expect(await diagnosedFiles(client, inst.id)).toBe('ok');
      await expectTruthful(agent);
      await expectCleanAfterDeleting(agent, client);
    },
  );
});

describe('crash-point matrix: upgrade', () => {
  it.each(['backup', 'pull', 'files', 'start', 'health'])(
    'killed at %s: back on the previous release on restart',
    async (step) => {
      const first = await start();
      const created = await createRunning(first.agent, first.client, 'Upgraded');
      // A project on the legacy release (the rollback renders its files from that).
      await first.agent.registry.update(created.id, { release: LEGACY_RELEASE_ID });
      const composeFile = path.join(dataDir, 'instances', created.id, 'docker-compose.yml');
      const composeBefore = await readFile(composeFile, 'utf8');
      const { plan } = await first.client.call<{ plan: { databaseChanges: boolean } }>(
        'instances.upgradePlan',
        { id: created.id },
      );
      const crashed = arm(`upgrade:${step}`);
      void first.client.call('instances.upgrade', { id: created.id }).catch(() => undefined);
      await crashed;
      const { agent, client } = await crashAndRestart(first.agent);

      expect(agent.registry.get(created.id)).toMatchObject({
        status: 'running',
        release: LEGACY_RELEASE_ID,
        lastOperation: { kind: 'upgrade', step, outcome: 'rolled-back' },
      });
      if (step === 'backup' || step === 'pull') {
        // Nothing of the stack had changed yet: its files are untouched.
        expect(await readFile(composeFile, 'utf8')).toBe(composeBefore);
      } else {
        // The new release's files were written: the previous release's are back.
        expect(await diagnosedFiles(client, created.id)).toBe('ok');
        // A new Postgres image may have run on the data: the note says what to do then.
        expect(agent.registry.get(created.id)!.lastOperation!.message.includes('new image')).toBe(
          plan.databaseChanges,
        );
      }
      await expectTruthful(agent);
      await expectCleanAfterDeleting(agent, client);
    },
  );
});

describe('crash-point matrix: an upgrade killed while rolling back', () => {
  it('killed at rollback (the new release never turned healthy): back on the previous release', async () => {
    const first = await start();
    const created = await createRunning(first.agent, first.client, 'Unhealthy');
    await first.agent.registry.update(created.id, { release: LEGACY_RELEASE_ID });
    // Every service the new release starts stays unhealthy: the upgrade turns to its rollback.
    engine.healthOnStart = () => 'unhealthy';
    const crashed = arm('upgrade:rollback');
    void first.client.call('instances.upgrade', { id: created.id }).catch(() => undefined);
    await crashed;
    engine.healthOnStart = () => 'healthy';
    const { agent, client } = await crashAndRestart(first.agent);

    expect(agent.registry.get(created.id)).toMatchObject({
      status: 'running',
      release: LEGACY_RELEASE_ID,
      lastOperation: { kind: 'upgrade', step: 'rollback', outcome: 'rolled-back' },
    });
    expect(await diagnosedFiles(client, created.id)).toBe('ok');
    await expectTruthful(agent);
    await expectCleanAfterDeleting(agent, client);
  });
});

describe('crash-point matrix: an upgrade whose new database image may have migrated the data', () => {
  beforeEach(() => {
    vi.clearAllMocks();
    recordedBackups();
    withUpgradeBackup = true;
  });
  afterEach(() => {
    withUpgradeBackup = false;
  });

  it.each(['start', 'health'])(
    'killed at %s: the pre-upgrade backup’s database is put back on restart, not only a note',
    async (step) => {
      // A newer release that changes only the Postgres image (same major), as a release file.
      const initial = await start();
      const created = await createRunning(initial.agent, initial.client, 'Migrated');
      // Then a newer release that changes only the Postgres image (same major), as a file.
      const releasesDir = path.join(dataDir, 'releases');
      await mkdir(releasesDir, { recursive: true });
      const base = BUILTIN_RELEASES.find((r) => r.id === STACK_VERSION)!;
      expect(created.release).toBe(base.id);
      const next = {
        ...base,
        id: '2099.01.01',
        date: '2099-01-01',
        images: { ...base.images, db: 'supabase/postgres:15.99.0.1' },
      };
      await writeFile(path.join(releasesDir, `${next.id}.json`), JSON.stringify(next));
      const first = await crashAndRestart(initial.agent, { releasesDir });
      const { plan } = await first.client.call<{ plan: { databaseChanges: boolean } }>(
        'instances.upgradePlan',
        { id: created.id, release: next.id },
      );
      expect(plan.databaseChanges).toBe(true);
      const crashed = arm(`upgrade:${step}`);
      void first.client
        .call('instances.upgrade', { id: created.id, release: next.id })
        .catch(() => undefined);
      await crashed;
      const [preUpgrade] = await listBackups(first.client, created.id);
      expect(preUpgrade).toMatchObject({ kind: 'pre-upgrade' });
      vi.mocked(applyBackup).mockClear();
      const { agent, client } = await crashAndRestart(first.agent, { releasesDir });

      const after = agent.registry.get(created.id)!;
      expect(after).toMatchObject({
        status: 'running',
        release: base.id,
        lastOperation: { kind: 'upgrade', step, outcome: 'rolled-back' },
      });
      expect(after.lastOperation!.message).toContain(
        `database restored from the backup taken before the upgrade (${preUpgrade!.id})`,
      );
      // The database only, from the backup taken before the upgrade.
      expect(applyBackup).toHaveBeenCalledTimes(1);
      expect(vi.mocked(applyBackup).mock.calls[0]![1]).toMatchObject({
        databaseOnly: true,
        backup: { manifest: { id: preUpgrade!.id, kind: 'pre-upgrade' } },
      });
      expect(await diagnosedFiles(client, created.id)).toBe('ok');
      await expectTruthful(agent);
      await expectCleanAfterDeleting(agent, client);
    },
  );
});

describe('crash-point matrix: backup and restore', () => {
  it('killed at the backup step: nothing recorded, the project untouched', async () => {
    const first = await start();
    const inst = await createRunning(first.agent, first.client, 'Saved');
    const crashed = arm('backup:backup');
    await first.client.call('backups.create', { id: inst.id });
    await crashed;
    const { agent, client } = await crashAndRestart(first.agent);

    expect(agent.registry.get(inst.id)).toMatchObject({
      status: 'running',
      lastOperation: { kind: 'backup', outcome: 'rolled-back' },
    });
    expect(await client.call('backups.list', { id: inst.id })).toEqual({ backups: [] });
    await expectTruthful(agent);
    await expectCleanAfterDeleting(agent, client);
  });

  // A restore needs a real database and restic to reach its steps (the rig's backups test);
  // here the journal is left on disk as a kill at each step leaves it, and recovery runs.
  it.each([
    ['read-back', 'rolled-back'],
    ['safety-backup', 'rolled-back'],
    ['start', 'completed'],
  ] as const)('killed at %s: %s on restart, the project running', async (step, outcome) => {
    const first = await start();
    const inst = await createRunning(first.agent, first.client, 'Restored');
    await first.client.call('instances.stop', { id: inst.id });
    await first.agent.close();
    agents = [];
    const record: OperationRecord = {
      id: `restore-${inst.id}-0000`,
      kind: 'restore',
      instanceId: inst.id,
      project: inst.project,
      step,
      startedAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      data: { backupId: 'b0000000000' },
    };
    await writeFileAtomic(
      path.join(dataDir, OPERATIONS_DIR, `${record.id}.json`),
      JSON.stringify(record),
    );
    const { agent, client } = await start();
    await until('the project to run', () =>
      agent.registry.get(inst.id)?.status === 'running' ? true : undefined,
    );
    expect(agent.registry.get(inst.id)!.lastOperation).toMatchObject({
      kind: 'restore',
      step,
      outcome,
    });
    await expectTruthful(agent);
    await expectCleanAfterDeleting(agent, client);
  });
});

describe('crash-point matrix: restore replacing the data', () => {
  beforeEach(() => {
    vi.clearAllMocks();
    recordedBackups();
  });

  /** A project with one backup, and a restore of it cut off while loading the backup's data. */
  async function restoreKilledWhileLoading() {
    const first = await start();
    const inst = await createRunning(first.agent, first.client, 'Replaced');
    await first.client.call('backups.create', { id: inst.id });
    const [backup] = await listBackups(first.client, inst.id);
    // The kill lands inside the `replace` step, half-way through loading the data.
    const loading = new Promise<void>((hit) =>
      vi.mocked(applyBackup).mockImplementationOnce(() => {
        hit();
        return new Promise<never>(() => {});
      }),
    );
    void first.client
      .call('backups.restore', { id: inst.id, backupId: backup!.id, confirm: 'Replaced' })
      .catch(() => undefined);
    await loading;
    return { first, inst, backup: backup! };
  }

  it('killed while replacing the data: the safety backup taken before it is put back, the project running', async () => {
    const { first, inst, backup } = await restoreKilledWhileLoading();
    // As the kill left it: the safety backup recorded, the journal at `replace` naming it.
    const safety = (await listBackups(first.client, inst.id)).find((b) => b.kind === 'safety');
    expect(safety).toBeDefined();
    const [file] = await readdir(path.join(dataDir, OPERATIONS_DIR));
    const record = JSON.parse(
      await readFile(path.join(dataDir, OPERATIONS_DIR, file!), 'utf8'),
    ) as OperationRecord;
    expect(record).toMatchObject({
      kind: 'restore',
      step: 'replace',
      data: { safetyBackupId: safety!.id },
    });
    // The fake engine stops every service (the real one all but the database): none serves.
    await first.agent.close();
    agents = agents.filter((a) => a !== first.agent);
    for (const c of engine.projectContainers(inst.project)) c.status = 'exited';
    vi.mocked(applyBackup).mockClear();

    const { agent, client } = await start();
    await until('the project to run', () =>
      agent.registry.get(inst.id)?.status === 'running' ? true : undefined,
    );
    expect(agent.registry.get(inst.id)!.lastOperation).toMatchObject({
      kind: 'restore',
      step: 'replace',
      outcome: 'rolled-back',
    });
    // What went back in is the safety backup, not the one the cut-off restore was loading.
    expect(applyBackup).toHaveBeenCalledTimes(1);
    const put = vi.mocked(applyBackup).mock.calls[0]![1];
    expect(put.backup.manifest).toMatchObject({ id: safety!.id, kind: 'safety' });
    expect(put.backup.manifest.id).not.toBe(backup.id);
    await expectTruthful(agent);
    await expectCleanAfterDeleting(agent, client);
  });
});

describe('crash-point matrix: restore into another project (clone)', () => {
  beforeEach(() => {
    vi.clearAllMocks();
    recordedBackups();
  });

  it.each([
    ['read-back', 'rolled-back'],
    ['replace', 'failed'],
    ['start', 'completed'],
  ] as const)('killed at %s: %s on restart, both projects running', async (step, outcome) => {
    const first = await start();
    const source = await createRunning(first.agent, first.client, 'Source');
    await first.client.call('backups.create', { id: source.id });
    const [backup] = await listBackups(first.client, source.id);
    const crashed = arm(`restore:${step}`);
    const { instance: copy } = await first.client.call<{ instance: Instance }>('backups.clone', {
      id: source.id,
      backupId: backup!.id,
      name: 'Copy',
    });
    await crashed;
    const { agent, client } = await crashAndRestart(first.agent);
    await until('both projects to run', () =>
      [source.id, copy.id].every((id) => agent.registry.get(id)?.status === 'running')
        ? true
        : undefined,
    );
    expect(agent.registry.get(copy.id)!.lastOperation).toMatchObject({
      kind: 'restore',
      step,
      outcome,
    });
    expect(agent.registry.get(source.id)!.lastOperation).toBeUndefined();
    if (outcome === 'failed') {
      expect(agent.registry.get(copy.id)!.lastOperation!.message).toMatch(
        /restore the backup again/,
      );
    }
    await expectTruthful(agent);
    await expectCleanAfterDeleting(agent, client);
  });
});

async function listBackups(client: RpcClient, id: string) {
  for (let i = 0; i < 400; i++) {
    const { backups } = await client.call<{ backups: Array<{ id: string; kind: string }> }>(
      'backups.list',
      { id },
    );
    if (backups.length > 0) return backups;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('no backup was listed');
}

describe('lastOperation', () => {
  it('is cleared once the next long operation on the project ends normally', async () => {
    const first = await start();
    const created = await createRunning(first.agent, first.client, 'Noted');
    await first.agent.registry.update(created.id, { release: LEGACY_RELEASE_ID });
    const crashed = arm('upgrade:start');
    void first.client.call('instances.upgrade', { id: created.id }).catch(() => undefined);
    await crashed;
    const { agent, client } = await crashAndRestart(first.agent);
    expect(agent.registry.get(created.id)!.lastOperation).toBeDefined();

    await client.call('instances.settings.set', {
      id: created.id,
      changes: { 'auth.siteUrl': 'https://noted.example.com' },
    });
    expect(agent.registry.get(created.id)!.lastOperation).toBeUndefined();
  });
});
