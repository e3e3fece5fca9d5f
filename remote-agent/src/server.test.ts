import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RpcClient } from '../../test/integration/agent-harness';
import { DEFAULT_CONFIG, type AgentConfig } from './config/schema';
import { secretValues } from './credentials';
import { DockerError } from './docker/docker-error';
import { FakeCompose, FakeDockerEngine } from './docker/fake-engine';
import { createDockerHost } from './docker/host';
import { InstanceFiles } from './instances/files';
import { createLogger } from './log/logger';
import { ErrorCode } from '@protocol/error-codes';
import type { DiagnosticReport, Instance, RepairResult, UpgradePlan } from '@protocol/types';
import { STACK_VERSION } from './stack/images';
import { LEGACY_RELEASE_ID } from './stack/releases';
import { MAX_LOG_STREAMS_PER_SESSION } from './api/handlers';
import { createAgent, type Agent, type CreateAgentOptions } from './server';
import { dialSocket } from './transport/dial';
import { listenOnUnixSocket } from './transport/unix-socket';
import type { HostReadings } from './system/resources';

// The whole agent, as the daemon assembles it, over an in-memory Docker: what crosses the
// composition root (one Docker host, one lock, one render input) is tested here in
// milliseconds; the real engine is tested on the rig.

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
  // Ports nothing listens on here: diagnosis probes them and must be refused at once.
  portRanges: {
    kongHttp: [41000, 41099],
    kongHttps: [41100, 41199],
    postgres: [41200, 41299],
    poolerTransaction: [41300, 41399],
  },
};

let dataDir: string;
let engine: FakeDockerEngine;
let compose: FakeCompose;
let host: HostReadings;
let agents: Agent[];
let logLines: string[];

async function start(
  overrides: Partial<AgentConfig> = {},
  options: Partial<CreateAgentOptions> = {},
): Promise<{ agent: Agent; client: RpcClient }> {
  const agent = await createAgent({
    ...options,
    dataDir,
    config: { ...config, ...overrides },
    docker: createDockerHost({ dataDir, engine, compose, readHost: async () => host }),
    // No externalHost in the config: the agent uses the address it detects.
    detectExternalHost: () => '203.0.113.7',
    isPortBindable: async () => true,
    logger: createLogger({ sink: (line) => logLines.push(line) }),
    healthTimeoutMs: 2_000,
    lifecycle: { attempts: 1, retryBaseMs: 1, statusDebounceMs: 5 },
    startScheduler: false,
    health: { checkTimeoutMs: 1_000, repairHealthTimeoutMs: 2_000, repairSettleMs: 0 },
  });
  agents.push(agent);
  if (!agent.auth.listUsers().some((u) => u.username === 'admin')) {
    await agent.auth.createUser('admin', 'correct horse battery', 'admin');
  }
  const toAgent = new PassThrough();
  const fromAgent = new PassThrough();
  agent.connect(toAgent, fromAgent);
  const client = new RpcClient(fromAgent, toAgent);
  await client.login('admin', 'correct horse battery');
  return { agent, client };
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

async function createRunning(
  agent: Agent,
  client: RpcClient,
  params: { name: string; exposure?: 'public' | 'private' },
): Promise<Instance> {
  const { instance } = await client.call<{ instance: Instance }>('instances.create', params);
  return until('the instance to run', () => {
    const now = agent.registry.get(instance.id);
    if (now?.status === 'failed') throw new Error(JSON.stringify(now.error));
    return now?.status === 'running' ? now : undefined;
  });
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e as { code?: string }).code,
  );

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'ub-agent-'));
  engine = new FakeDockerEngine();
  compose = new FakeCompose(engine);
  host = roomy;
  agents = [];
  logLines = [];
});

afterEach(async () => {
  for (const agent of agents) await agent.close().catch(() => undefined);
  await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
});

describe('agent composition (fake Docker)', () => {
  it('diagnoses and repairs a public project on a server whose external host is detected, not configured (C5)', async () => {
    const { agent, client } = await start();
    const inst = await createRunning(agent, client, { name: 'Public shop', exposure: 'public' });
    expect(inst.urls.api).toContain('203.0.113.7');

    const { report } = await client.call<{ report: DiagnosticReport }>('instances.diagnose', {
      id: inst.id,
    });
    const files = report.checks.find((c) => c.id === 'files');
    expect(files).toMatchObject({ status: 'ok' });
    expect(JSON.stringify(report)).not.toContain('externalHost');

    const plan = await client.call<RepairResult>('instances.repair', { id: inst.id, dryRun: true });
    expect(plan.actions.filter((a) => a.kind === 'rerender-file')).toEqual([]);
  });

  it('refuses to start or restart a dry run or a failed creation, running nothing (finding 1)', async () => {
    const { agent, client } = await start({ maxInstances: 1 });
    const { instance: dry } = await client.call<{ instance: Instance }>('instances.create', {
      name: 'Plan only',
      dryRun: true,
    });
    compose.failOn.up = new DockerError(ErrorCode.START_FAILED, '"compose up" failed: boom');
    const { instance: broken } = await client.call<{ instance: Instance }>('instances.create', {
      name: 'Broken',
    });
    await until('the creation to fail', () =>
      agent.registry.get(broken.id)?.status === 'failed' ? true : undefined,
    );
    delete compose.failOn.up;
    const upsBefore = compose.runs.filter((r) => r.startsWith('up')).length;

    for (const id of [dry.id, broken.id]) {
      for (const method of ['instances.start', 'instances.restart'] as const) {
        expect(await codeOf(client.call(method, { id }))).toBe('INVALID_STATE');
      }
    }
    expect(compose.runs.filter((r) => r.startsWith('up'))).toHaveLength(upsBefore);
    expect(agent.registry.get(dry.id)?.status).toBe('created');
    expect(agent.registry.get(broken.id)?.status).toBe('failed');
  });

  it('checks the host before bringing a stopped project up again (finding 1)', async () => {
    const { agent, client } = await start();
    const inst = await createRunning(agent, client, { name: 'Shop' });
    await client.call('instances.stop', { id: inst.id });
    host = { ...roomy, memoryAvailableMb: 10 };
    const err = await client.call('instances.start', { id: inst.id }).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe('INSUFFICIENT_RESOURCES');
    expect(agent.registry.get(inst.id)?.status).toBe('stopped');
    host = roomy;
    await client.call('instances.start', { id: inst.id });
    expect(agent.registry.get(inst.id)?.status).toBe('running');
  });

  it('a restart asked for during a repair is refused with BUSY and never interleaves (one lock)', async () => {
    const { agent, client } = await start();
    const inst = await createRunning(agent, client, { name: 'Shop' });
    const statuses: string[] = [];
    agent.events.subscribe((e) => {
      if (e.type === 'instance.changed' && e.instance.id === inst.id)
        statuses.push(e.instance.status);
    });
    // A removed container: repair brings it back with `compose up`, which we hold open.
    const auth = engine.projectContainers(inst.project).find((c) => c.service === 'auth')!;
    engine.containers.delete(auth.id);
    let release!: () => void;
    compose.gate.up = new Promise<void>((r) => (release = r));
    const before = compose.runs.length;
    const repairing = client.call<RepairResult>('instances.repair', { id: inst.id });
    await until('the repair to reach compose', () =>
      compose.runs.length > before ? true : undefined,
    );
    expect(compose.runs.at(-1)).toBe(`up ${inst.project}`);
    const runsDuringRepair = compose.runs.length;

    const restart = await client.call('instances.restart', { id: inst.id }).catch((e) => e);
    expect(restart).toMatchObject({ code: 'BUSY' });
    expect((restart as { error: { data: { operation: string } } }).error.data.operation).toBe(
      'repair',
    );
    expect(await codeOf(client.call('instances.stop', { id: inst.id }))).toBe('BUSY');
    expect(await codeOf(client.call('instances.delete', { id: inst.id }))).toBe('BUSY');
    expect(compose.runs).toHaveLength(runsDuringRepair);
    expect(statuses).not.toContain('restarting');

    release();
    const result = await repairing;
    expect(result.actions.some((a) => a.done)).toBe(true);
    // Once the repair is over, the same restart goes through.
    expect(await codeOf(client.call('instances.restart', { id: inst.id }))).toBe('ok');
  });

  it('refuses to delete a user who still owns projects, so a new account of that name inherits nothing (finding 11)', async () => {
    const { agent, client } = await start();
    await agent.auth.createUser('dave', 'dave password 123', 'user');
    const toAgent = new PassThrough();
    const fromAgent = new PassThrough();
    agent.connect(toAgent, fromAgent);
    const dave = new RpcClient(fromAgent, toAgent);
    await dave.login('dave', 'dave password 123');
    const { instance } = await dave.call<{ instance: Instance }>('instances.create', {
      name: 'Dave shop',
      dryRun: true,
    });

    const refused = await client.call('users.delete', { username: 'dave' }).catch((e) => e);
    expect(refused).toMatchObject({ code: 'INVALID_STATE' });
    expect((refused as { error: { data: { projects: string[] } } }).error.data.projects).toEqual([
      instance.id,
    ]);
    expect(agent.auth.listUsers().map((u) => u.username)).toContain('dave');

    await client.call('instances.delete', { id: instance.id });
    expect(await codeOf(client.call('users.delete', { username: 'dave' }))).toBe('ok');
  });

  it("tells a user only their own project count, never the server's (finding 18)", async () => {
    const { agent, client } = await start();
    await createRunning(agent, client, { name: 'Admin shop' });
    await createRunning(agent, client, { name: 'Admin blog' });
    await agent.auth.createUser('erin', 'erin password 123', 'user');
    const toAgent = new PassThrough();
    const fromAgent = new PassThrough();
    agent.connect(toAgent, fromAgent);
    const erin = new RpcClient(fromAgent, toAgent);
    await erin.login('erin', 'erin password 123');
    await createRunning(agent, erin, { name: 'Erin shop' });

    type Resources = { instances: number; maxInstances: number };
    expect((await client.call<Resources>('system.resources')).instances).toBe(3);
    expect((await erin.call<Resources>('system.resources')).instances).toBe(1);
  });

  it('guards the secrets of instances created before a restart in its log (finding 19)', async () => {
    const first = await start();
    const { instance } = await first.client.call<{ instance: Instance }>('instances.create', {
      name: 'Old',
      dryRun: true,
    });
    await first.agent.close();
    agents = [];

    logLines = [];
    const { agent } = await start();
    const secrets = await new InstanceFiles(dataDir).readSecrets(instance.id);
    const values = secretValues(secrets);
    agent.logger.warn('container said something', {
      line: `password is ${secrets.postgresPassword}`,
    });
    const written = logLines.join('');
    expect(written).toContain('container said something');
    for (const value of values) expect(written).not.toContain(value);
  });

  it('creates on the newest release; a project from before releases runs the legacy one and upgrades over RPC', async () => {
    const first = await start();
    const fresh = await createRunning(first.agent, first.client, { name: 'New shop' });
    expect(fresh.release).toBe(STACK_VERSION);
    const listed = await first.client.call<{ newest: string; legacy: string; releases: unknown[] }>(
      'stack.releases',
    );
    expect(listed).toMatchObject({ newest: STACK_VERSION, legacy: LEGACY_RELEASE_ID });

    // A state file written before releases existed: no `release` field, legacy files on disk.
    await first.agent.registry.update(fresh.id, { release: undefined });
    await first.agent.close();
    agents = [];
    // The backup first is proven below and in upgrades/upgrader.test.ts; fake Docker has no
    // database container to dump.
    const { agent, client } = await start({}, { beforeUpgrade: async () => {} });
    const old = agent.registry.get(fresh.id)!;
    expect(old.release).toBeUndefined();
    const { plan } = await client.call<{ plan: UpgradePlan }>('instances.upgradePlan', {
      id: old.id,
    });
    expect(plan).toMatchObject({ from: LEGACY_RELEASE_ID, to: STACK_VERSION, upToDate: false });
    expect(
      await codeOf(client.call('instances.upgrade', { id: old.id, release: 'no-such-release' })),
    ).toBe(ErrorCode.RELEASE_NOT_FOUND);

    const done = await client.call<{ instance: Instance }>('instances.upgrade', { id: old.id });
    expect(done.instance).toMatchObject({ status: 'running', release: STACK_VERSION });
    const { report } = await client.call<{ report: DiagnosticReport }>('instances.diagnose', {
      id: old.id,
    });
    expect(report.checks.find((c) => c.id === 'files')).toMatchObject({ status: 'ok' });
  });

  it('upgrades Postgres only on request: owner or admin, the name typed, a newer major needed', async () => {
    const { agent, client } = await start();
    const inst = await createRunning(agent, client, { name: 'Pg shop' });
    await agent.auth.createUser('gina', 'gina secret passphrase', 'user');
    await client.call('users.grant', { username: 'gina', instanceId: inst.id });
    const toAgent = new PassThrough();
    const fromAgent = new PassThrough();
    agent.connect(toAgent, fromAgent);
    const gina = new RpcClient(fromAgent, toAgent);
    await gina.login('gina', 'gina secret passphrase');
    // A grantee sees the project but may not replace its database.
    expect(
      await codeOf(gina.call('instances.upgradePostgres', { id: inst.id, confirm: 'Pg shop' })),
    ).toBe(ErrorCode.FORBIDDEN);
    expect(
      await codeOf(client.call('instances.upgradePostgres', { id: inst.id, confirm: 'pg shop' })),
    ).toBe(ErrorCode.CONFIRMATION_MISMATCH);
    // The built-in releases all run Postgres 15: nothing newer to move to.
    expect(await codeOf(client.call('instances.upgradePostgresPlan', { id: inst.id }))).toBe(
      ErrorCode.RELEASE_NOT_FOUND,
    );
    expect(
      await codeOf(client.call('instances.upgradePostgres', { id: inst.id, confirm: 'Pg shop' })),
    ).toBe(ErrorCode.RELEASE_NOT_FOUND);
    expect(agent.registry.get(inst.id)).toMatchObject({
      status: 'running',
      release: STACK_VERSION,
    });
  });

  it('backs up first under the upgrade’s own lock, and a failed backup changes nothing', async () => {
    const { agent, client } = await start();
    const inst = await createRunning(agent, client, { name: 'Backed up' });
    await agent.registry.update(inst.id, { release: LEGACY_RELEASE_ID });
    // The real backups service runs (not refused BUSY by the upgrade's lock) and fails on fake
    // Docker, which has no database container to dump.
    const error = await client.call('instances.upgrade', { id: inst.id }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCode.UPGRADE_BACKUP_FAILED,
      error: { data: { cause: ErrorCode.INVALID_STATE } },
    });
    expect(agent.registry.get(inst.id)).toMatchObject({
      status: 'running',
      release: LEGACY_RELEASE_ID,
    });
    expect(agent.registry.get(inst.id)!.error).toBeUndefined();
  });

  it('records a failed creation with the real code of the error, not INTERNAL', async () => {
    const { agent, client } = await start();
    // A low disk is refused up front (disk/); memory is judged when the creation's turn comes.
    host = { ...roomy, diskFreeMb: 5 };
    const refused = await client
      .call('instances.create', { name: 'No disk' })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'INSUFFICIENT_RESOURCES' });
    expect((refused as { error: { data: unknown } }).error.data).toMatchObject({
      resource: 'disk',
      diskFreeMb: 5,
      requiredMb: 2048,
    });
    expect(agent.registry.list().map((i) => i.name)).not.toContain('No disk');
    host = { ...roomy, memoryAvailableMb: 5 };
    const { instance } = await client.call<{ instance: Instance }>('instances.create', {
      name: 'No room',
    });
    const failed = await until('the creation to fail', () => {
      const now = agent.registry.get(instance.id);
      return now?.status === 'failed' ? now : undefined;
    });
    expect(failed.error).toMatchObject({ code: 'INSUFFICIENT_RESOURCES' });
    expect(failed.error?.reason).toMatch(/MB missing/);
  });

  it('refuses a size change and a domain change up front on a low disk, with the numbers (issue 22)', async () => {
    const { agent, client } = await start();
    const inst = await createRunning(agent, client, { name: 'Tight' });
    const before = agent.registry.get(inst.id);
    host = { ...roomy, diskFreeMb: 100 };
    const reshape = await client
      .call('instances.reshape', { id: inst.id, size: { profile: 'large' } })
      .catch((e: unknown) => e);
    expect(reshape).toMatchObject({ code: 'INSUFFICIENT_RESOURCES' });
    expect((reshape as { error: { data: unknown } }).error.data).toMatchObject({
      resource: 'disk',
      operation: 'resize',
      diskFreeMb: 100,
      requiredMb: 256,
    });
    const domain = await client
      .call('domains.add', { id: inst.id, hostname: 'api.example.test' })
      .catch((e: unknown) => e);
    expect((domain as { error: { data: unknown } }).error.data).toMatchObject({
      resource: 'disk',
      operation: 'domain',
      requiredMb: 256,
    });
    expect(agent.registry.get(inst.id)).toEqual(before);
    expect(await client.call('domains.list', { id: inst.id })).toMatchObject({ domains: [] });
  });

  it('caps the log streams one connection may hold open (finding 17)', async () => {
    const { agent, client } = await start();
    const inst = await createRunning(agent, client, { name: 'Chatty' });
    const streams: string[] = [];
    for (let i = 0; i < MAX_LOG_STREAMS_PER_SESSION; i++) {
      const { stream } = await client.call<{ stream: string }>('logs.follow', {
        id: inst.id,
        follow: true,
      });
      streams.push(stream);
    }
    const refused = await client
      .call('logs.follow', { id: inst.id, follow: true })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'LIMIT_REACHED' });
    await client.call('stream.cancel', { stream: streams[0] });
    expect(await codeOf(client.call('logs.follow', { id: inst.id, follow: true }))).toBe('ok');
  });
});

describe('a connection bound to a staff account (session.bind, sent first by the forced dial)', () => {
  function connect(agent: Agent): RpcClient {
    const toAgent = new PassThrough();
    const fromAgent = new PassThrough();
    agent.connect(toAgent, fromAgent);
    return new RpcClient(fromAgent, toAgent);
  }

  it('refuses to log in or resume as anyone else, even with their right password or token', async () => {
    const { agent } = await start();
    await agent.auth.createUser('ana', 'ana secret passphrase', 'user');
    await agent.auth.createUser('bob', 'bob secret passphrase', 'admin');
    const bobToken = (await connect(agent).login('bob', 'bob secret passphrase')).token;

    const ana = connect(agent);
    await ana.call('session.bind', { username: 'ana' });
    expect(await codeOf(ana.login('bob', 'bob secret passphrase'))).toBe('FORBIDDEN');
    expect(await codeOf(ana.call('auth.resume', { token: bobToken }))).toBe('FORBIDDEN');
    expect(await codeOf(ana.call('users.list', {}))).toBe('UNAUTHENTICATED');
    expect(await codeOf(ana.call('session.bind', { username: 'bob' }))).toBe('FORBIDDEN');
    await ana.call('auth.login', { username: 'ana', password: 'ana secret passphrase' });
    expect(await codeOf(ana.call('users.list', {}))).toBe('FORBIDDEN');

    // Binding is only ever the first message: a logged-in connection cannot be relabelled.
    const late = connect(agent);
    await late.login('ana', 'ana secret passphrase');
    expect(await codeOf(late.call('session.bind', { username: 'ana' }))).toBe('INVALID_STATE');
  });
});

describe('dial --as over a real Unix socket', () => {
  it('binds first, before any client byte: the client can neither skip nor replace the bind', async () => {
    const { agent } = await start();
    await agent.auth.createUser('ana', 'ana secret passphrase', 'user');
    await agent.auth.createUser('bob', 'bob secret passphrase', 'admin');
    const socketPath = path.join(dataDir, 'dial-test.sock');
    const server = await listenOnUnixSocket(socketPath, (s) => agent.connect(s, s));
    try {
      const input = new PassThrough();
      const output = new PassThrough();
      // What ana's SSH client sends arrives at once, before dial has even connected.
      const ana = new RpcClient(output, input);
      const forgedBind = ana.call('session.bind', { username: 'bob' });
      const dialing = dialSocket(socketPath, input, output, { as: 'ana' });
      expect(await codeOf(forgedBind)).toBe('FORBIDDEN');
      expect(await codeOf(ana.login('bob', 'bob secret passphrase'))).toBe('FORBIDDEN');
      await ana.call('auth.login', { username: 'ana', password: 'ana secret passphrase' });
      input.end();
      await dialing;
    } finally {
      await server.close();
    }
  });
});
