import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RpcClient } from '../../../test/integration/agent-harness';
import type { BulkJob } from '@protocol/bulk';
import type { AgentEvent, Instance, SystemResources } from '@protocol/types';
import { DEFAULT_CONFIG, type AgentConfig } from '../config/schema';
import { FakeCompose, FakeDockerEngine } from '../docker/fake-engine';
import { createDockerHost } from '../docker/host';
import { createLogger } from '../log/logger';
import { createAgent, type Agent } from '../server';
import type { HostReadings } from '../system/resources';

// Tags and bulk jobs through the whole agent (wire, rights, registry, lifecycle, locks) over
// the in-memory Docker. The same on the real engine: test/integration/fleet-bulk.test.ts.

const host: HostReadings = {
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

async function startAgent(): Promise<Agent> {
  const agent = await createAgent({
    dataDir,
    config,
    docker: createDockerHost({ dataDir, engine, compose, readHost: async () => host }),
    detectExternalHost: () => '203.0.113.7',
    isPortBindable: async () => true,
    logger: createLogger({ sink: () => {} }),
    healthTimeoutMs: 2_000,
    lifecycle: { attempts: 1, retryBaseMs: 1, statusDebounceMs: 5 },
    startScheduler: false,
  });
  agents.push(agent);
  if (!agent.auth.listUsers().some((u) => u.username === 'admin')) {
    await agent.auth.createUser('admin', PASSWORD, 'admin');
    await agent.auth.createUser('bia', PASSWORD, 'user');
  }
  return agent;
}

async function connect(agent: Agent, username = 'admin') {
  const toAgent = new PassThrough();
  const fromAgent = new PassThrough();
  agent.connect(toAgent, fromAgent);
  const client = new RpcClient(fromAgent, toAgent);
  await client.login(username, PASSWORD);
  return { client, close: () => (toAgent.destroy(), fromAgent.destroy()) };
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
  return until(`${name} to run`, () => {
    const now = agent.registry.get(instance.id);
    return now?.status === 'running' ? now : undefined;
  });
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e as { code?: string }).code,
  );

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'ub-fleet-'));
  engine = new FakeDockerEngine();
  compose = new FakeCompose(engine);
  agents = [];
});

afterEach(async () => {
  for (const agent of agents) await agent.close().catch(() => undefined);
  await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
});

describe('project tags on the agent', () => {
  it('stores normalised tags on the instance, for everyone who sees it, across a restart', async () => {
    const agent = await startAgent();
    const { client } = await connect(agent);
    const inst = await createRunning(agent, client, 'loja');
    const { instance } = await client.call<{ instance: Instance }>('instances.setTags', {
      id: inst.id,
      tags: ['Env:Staging', 'cliente:acme', 'env:staging'],
    });
    expect(instance.tags).toEqual(['cliente:acme', 'env:staging']);

    // bia sees nothing of a project not granted to her, then the same tags once it is.
    const bia = await connect(agent, 'bia');
    expect(await codeOf(bia.client.call('instances.setTags', { id: inst.id, tags: ['x'] }))).toBe(
      'NOT_FOUND',
    );
    await client.call('users.grant', { username: 'bia', instanceId: inst.id });
    const again = await connect(agent, 'bia');
    const { instances } = await again.client.call<{ instances: Instance[] }>('instances.list', {});
    expect(instances[0]!.tags).toEqual(['cliente:acme', 'env:staging']);
    // A grantee may tag, like she may restart.
    await again.client.call('instances.setTags', { id: inst.id, tags: ['cliente:acme', 'vip'] });

    await agent.close();
    agents = [];
    const reopened = await startAgent();
    expect(reopened.registry.get(inst.id)!.tags).toEqual(['cliente:acme', 'vip']);
    // An empty list removes the field rather than storing [].
    const { client: c2 } = await connect(reopened);
    const cleared = await c2.call<{ instance: Instance }>('instances.setTags', {
      id: inst.id,
      tags: [],
    });
    expect('tags' in cleared.instance).toBe(false);
  });

  it('refuses a bad tag with INVALID_TAG and a reason, changing nothing', async () => {
    const agent = await startAgent();
    const { client } = await connect(agent);
    const inst = await createRunning(agent, client, 'loja');
    await client.call('instances.setTags', { id: inst.id, tags: ['env:prod'] });
    const err = await client
      .call('instances.setTags', { id: inst.id, tags: ['ok', 'rm -rf /'] })
      .catch((e: { code: string; error: { message: string; data: unknown } }) => e);
    expect(err).toMatchObject({ code: 'INVALID_TAG' });
    expect((err as { error: { data: unknown } }).error.data).toMatchObject({
      problem: 'format',
      tag: 'rm -rf /',
    });
    expect(agent.registry.get(inst.id)!.tags).toEqual(['env:prod']);
    // Audited with what was set.
    const audit = await readFile(path.join(dataDir, 'audit.log'), 'utf8');
    expect(audit).toContain('instances.setTags');
  });

  it('loads a state file written before tags existed', async () => {
    const agent = await startAgent();
    const { client } = await connect(agent);
    const inst = await createRunning(agent, client, 'antigo');
    expect('tags' in agent.registry.get(inst.id)!).toBe(false);
    await agent.close();
    agents = [];
    const reopened = await startAgent();
    expect(reopened.registry.get(inst.id)).toMatchObject({ status: 'running' });
  });
});

describe('bulk jobs on the agent', () => {
  it('restarts many projects and finishes after the client that asked has gone', async () => {
    const agent = await startAgent();
    const { client, close } = await connect(agent);
    const list: Instance[] = [];
    for (let n = 0; n < 6; n++) list.push(await createRunning(agent, client, `p${n}`));
    await client.call('instances.stop', { id: list[5]!.id });

    let release!: () => void;
    compose.gate.restart = new Promise<void>((r) => (release = r));
    const events: AgentEvent[] = [];
    agent.events.subscribe((e) => events.push(e));
    const { job } = await client.call<{ job: BulkJob }>('bulk.start', {
      action: 'restart',
      ids: list.map((i) => i.id),
    });
    expect(job.total).toBe(6);
    await until('restarts in flight', () =>
      compose.runs.filter((r) => r.startsWith('restart')).length >= 4 ? true : undefined,
    );
    // While they run, a single stop of one of them is refused by the same lock.
    const busy = list.find((i) => agent.registry.get(i.id)!.status === 'restarting')!;
    expect(await codeOf(client.call('instances.stop', { id: busy.id }))).toBe('BUSY');

    close();
    release();
    const finished = await until('the job to finish', () =>
      events.find(
        (e): e is Extract<AgentEvent, { type: 'bulk.progress' }> =>
          e.type === 'bulk.progress' && e.job.finishedAt !== undefined,
      ),
    );
    expect(finished.job).toMatchObject({ total: 6, done: 6, failed: 0 });
    for (const i of list) expect(agent.registry.get(i.id)!.status).toBe('running');

    // A new connection reads the whole job back.
    const { client: later } = await connect(agent);
    const read = await later.call<{ job: BulkJob }>('bulk.get', { job: job.id });
    expect(read.job.items.every((i) => i.status === 'done')).toBe(true);
    const { jobs } = await later.call<{ jobs: BulkJob[] }>('bulk.list', {});
    expect(jobs[0]).toMatchObject({ id: job.id, done: 6 });
    expect('items' in jobs[0]!).toBe(false);
  });

  it('pushes progress to the one who asked, not to other users', async () => {
    const agent = await startAgent();
    const admin = await connect(agent);
    const inst = await createRunning(agent, admin.client, 'p');
    await admin.client.call('users.grant', { username: 'bia', instanceId: inst.id });
    const bia = await connect(agent, 'bia');
    const { stream } = await bia.client.call<{ stream: string }>('events.subscribe', {});
    const { job } = await admin.client.call<{ job: BulkJob }>('bulk.start', {
      action: 'diagnose',
      ids: [inst.id],
    });
    const { stream: adminStream } = await admin.client.call<{ stream: string }>(
      'events.subscribe',
      {},
    );
    const seen = (client: RpcClient, s: string) =>
      client.notifications.filter(
        (n) => n.params.stream === s && (n.params.data as AgentEvent)?.type === 'bulk.progress',
      );
    await admin.client.call('bulk.start', { action: 'diagnose', ids: [inst.id] });
    await until('the admin to hear the second job end', () =>
      seen(admin.client, adminStream).some(
        (n) => (n.params.data as { job: BulkJob }).job.finishedAt !== undefined,
      )
        ? true
        : undefined,
    );
    // She hears of the project's diagnosis (it is hers to see), never of the admin's jobs.
    expect(seen(bia.client, stream)).toEqual([]);
    expect(await codeOf(bia.client.call('bulk.get', { job: job.id }))).toBe('NOT_FOUND');
  }, 10_000);
});

describe('system.resources', () => {
  it('sends the Docker and Compose versions for the server page', async () => {
    const agent = await startAgent();
    const { client } = await connect(agent);
    const r = await client.call<SystemResources>('system.resources', {});
    expect(r).toMatchObject({ dockerVersion: '27.0.0-fake', composeVersion: '2.29.0-fake' });
  });
});
