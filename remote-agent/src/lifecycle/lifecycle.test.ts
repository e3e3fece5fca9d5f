import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DockerError } from '../docker/docker-error';
import { FakeCompose, FakeDockerEngine } from '../docker/fake-engine';
import { createDockerHost, type DockerHost } from '../docker/host';
import { InstanceLocks } from '../instances/state';
import { ErrorCode } from '@protocol/error-codes';
import type { AgentEvent, Instance } from '@protocol/types';
import type { HostReadings } from '../system/resources';
import { createLifecycle, type DockerLifecycle } from './lifecycle';
import type { InstanceRegistry } from './types';

// Creation, operations and reconcile of the lifecycle over an in-memory Docker, in
// milliseconds; lifecycle-busybox and lifecycle-stack run the same code on the real engine.

class Registry implements InstanceRegistry {
  readonly items = new Map<string, Instance>();
  readonly statuses: string[] = [];
  get(id: string) {
    const i = this.items.get(id);
    return i ? structuredClone(i) : undefined;
  }
  list() {
    return [...this.items.values()].map((i) => structuredClone(i));
  }
  async update(id: string, patch: Partial<Instance>) {
    const current = this.items.get(id);
    if (!current) throw new Error(`no instance ${id}`);
    const next = { ...current, ...patch } as Instance;
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete (next as unknown as Record<string, unknown>)[k];
    }
    this.items.set(id, next);
    this.statuses.push(`${id}:${next.status}`);
    return structuredClone(next);
  }
}

const roomy: HostReadings = {
  cpus: 2,
  load1: 0,
  memoryTotalMb: 8000,
  memoryAvailableMb: 6000,
  diskTotalMb: 50_000,
  diskFreeMb: 40_000,
};

const COMPOSE = `services:
  db:
    image: "fake/postgres:1"
  rest:
    image: "fake/rest:1"
  kong:
    image: "fake/kong:1"
`;

let dataDir: string;
let engine: FakeDockerEngine;
let compose: FakeCompose;
let registry: Registry;
let docker: DockerHost;
let locks: InstanceLocks;
let lifecycle: DockerLifecycle;
let host: HostReadings;
let audits: { action: string; result: string; code?: string }[];
let events: AgentEvent[];
let config: Parameters<typeof createLifecycle>[0]['config'];

async function queued(id: string): Promise<Instance> {
  const dir = path.join(dataDir, 'instances', id);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'docker-compose.yml'), COMPOSE);
  const at = new Date().toISOString();
  const inst: Instance = {
    id,
    name: id,
    owner: 'admin',
    status: 'queued',
    createdAt: at,
    updatedAt: at,
    exposure: 'private',
    ports: { kongHttp: 1, kongHttps: 2, postgres: 3, poolerTransaction: 4 },
    urls: { api: '', studio: '', database: '', poolerTransaction: '' } as Instance['urls'],
    project: `ub_${id}`,
  };
  registry.items.set(id, inst);
  return inst;
}

async function create(id: string): Promise<Instance> {
  await queued(id);
  lifecycle.enqueueCreate(id);
  await lifecycle.idle();
  return registry.get(id)!;
}

function steps(id: string): string[] {
  return lifecycle.progress(id).events.map((e) => `${e.step}:${e.status}`);
}

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'ub-lc-'));
  engine = new FakeDockerEngine();
  compose = new FakeCompose(engine);
  registry = new Registry();
  host = roomy;
  docker = createDockerHost({ dataDir, engine, compose, readHost: async () => host });
  locks = new InstanceLocks();
  audits = [];
  events = [];
  config = {
    creationConcurrency: 1,
    resources: { minFreeMemoryMb: 100, minFreeDiskMb: 100, maxLoadPerCore: 4 },
    dataDir,
    healthTimeoutMs: 300,
  };
  lifecycle = createLifecycle(
    {
      registry,
      docker,
      locks,
      instanceDir: (id) => path.join(dataDir, 'instances', id),
      emit: (e) => events.push(e),
      audit: (e) => audits.push(e),
      config,
    },
    { attempts: 1, retryBaseMs: 1, statusDebounceMs: 1 },
  );
});

afterEach(async () => {
  await lifecycle.close();
  await docker.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('creation over a fake engine', () => {
  it('runs every step and ends running, audited, with the lock free', async () => {
    const inst = await create('okone');
    expect(inst.status).toBe('running');
    expect(inst.services?.map((s) => s.service)).toEqual(['db', 'kong', 'rest']);
    expect(steps('okone')).toEqual(
      expect.arrayContaining([
        'resources:done',
        'docker:done',
        'pull:done',
        'start:done',
        'health:done',
        'done:done',
      ]),
    );
    expect(locks.isBusy('okone')).toBe(false);
    expect(audits.at(-1)).toMatchObject({ action: 'instances.create.finish', result: 'ok' });
  });

  // Each step fails in turn: the instance ends `failed` with the step's own code, nothing of
  // its project is left in Docker, and the lock is free so it can be deleted.
  const cases: {
    step: string;
    code: string;
    arrange(): void;
    rolledBack: boolean;
  }[] = [
    {
      step: 'resources',
      code: ErrorCode.INSUFFICIENT_RESOURCES,
      arrange: () => (host = { ...roomy, memoryAvailableMb: 10 }),
      rolledBack: false,
    },
    {
      step: 'docker',
      code: ErrorCode.DOCKER_UNAVAILABLE,
      arrange: () => (engine.unavailable = true),
      rolledBack: false,
    },
    {
      step: 'pull',
      code: ErrorCode.PULL_FAILED,
      arrange: () => {
        engine.pullImage = async () => {
          throw new DockerError(ErrorCode.PULL_FAILED, 'manifest unknown');
        };
      },
      rolledBack: false,
    },
    {
      step: 'start',
      code: ErrorCode.START_FAILED,
      arrange: () => {
        // `up` starts some containers, then fails: the rollback must take them away.
        compose.run = async (project, action) => {
          compose.runs.push(`${action} ${project.name}`);
          if (action === 'up') {
            engine.startService(project.name, 'db', 'fake/postgres:1');
            throw new DockerError(ErrorCode.START_FAILED, '"compose up" failed: port in use');
          }
          return FakeCompose.prototype.run.call(compose, project, action);
        };
      },
      rolledBack: true,
    },
    {
      step: 'health',
      // Still unhealthy at the deadline: named as such, not as a generic start failure.
      code: ErrorCode.UNHEALTHY,
      arrange: () => {
        engine.healthOnStart = (service) => (service === 'rest' ? 'unhealthy' : 'healthy');
      },
      rolledBack: true,
    },
  ];

  for (const c of cases) {
    it(`rolls back a failure at "${c.step}": failed with ${c.code}, nothing left, lock free`, async () => {
      c.arrange();
      const id = `fail${c.step}`;
      const inst = await create(id);
      expect(inst.status).toBe('failed');
      expect(inst.error?.code).toBe(c.code);
      expect(steps(id)).toContain(`${c.step}:failed`);
      expect(steps(id).includes('rollback:done')).toBe(c.rolledBack);
      expect(engine.leftovers(inst.project)).toEqual([]);
      expect(locks.isBusy(id)).toBe(false);
      expect(audits.at(-1)).toMatchObject({ result: 'error', code: c.code });
      engine.unavailable = false;
      await lifecycle.remove(id);
    });
  }

  it('names the failing service and keeps its last log lines', async () => {
    cases.find((c) => c.step === 'health')!.arrange();
    const inst = await create('logsone');
    expect(inst.error).toMatchObject({ service: 'rest' });
    expect(inst.error?.logs).toEqual(['rest started']);
  });
});

describe('operations and reconcile over a fake engine', () => {
  it('stops and starts, and a second operation on the same instance is refused with BUSY', async () => {
    await create('opone');
    let release!: () => void;
    compose.gate.stop = new Promise<void>((r) => (release = r));
    const stopping = lifecycle.stop('opone');
    await expect(lifecycle.restart('opone')).rejects.toMatchObject({ code: 'BUSY' });
    release();
    expect((await stopping).status).toBe('stopped');
    expect((await lifecycle.start('opone')).status).toBe('running');
  });

  it('after a restart of the agent: re-queues queued entries and rolls back a cut-off creation', async () => {
    await queued('waiting');
    const cut = await queued('cutoff');
    await registry.update('cutoff', { status: 'creating' });
    engine.startService(cut.project, 'db', 'fake/postgres:1');
    engine.healthOnStart = () => 'starting';
    await lifecycle.reconcile();
    await lifecycle.idle();
    expect(registry.get('cutoff')).toMatchObject({
      status: 'failed',
      error: { code: 'CANCELLED' },
    });
    expect(engine.leftovers(cut.project)).toEqual([]);
    expect(steps('waiting')).toContain('resources:done');
  });

  it('ends a creation cut off while Docker is down as failed, instead of leaving it creating', async () => {
    await queued('cutdown');
    await registry.update('cutdown', { status: 'creating' });
    engine.unavailable = true;
    await lifecycle.reconcile();
    expect(registry.get('cutdown')).toMatchObject({
      status: 'failed',
      error: { code: 'CANCELLED' },
    });
  });
});

async function until(id: string, step: string): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!steps(id).includes(step)) {
    if (Date.now() > deadline)
      throw new Error(`${id} never reached ${step}: ${steps(id).join(' ')}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('cancelling a creation over a fake engine', () => {
  /** Cancelled, rolled back, audited, the lock free and nothing of the project left in Docker. */
  function expectCancelled(id: string, project: string) {
    const inst = registry.get(id)!;
    expect(inst.status).toBe('failed');
    expect(inst.error?.code).toBe(ErrorCode.CANCELLED);
    expect(engine.leftovers(project)).toEqual([]);
    expect(locks.isBusy(id)).toBe(false);
    expect(lifecycle.progress(id).finished).toBe(true);
    expect(audits.at(-1)).toMatchObject({
      action: 'instances.create.finish',
      target: id,
      result: 'error',
      code: ErrorCode.CANCELLED,
    });
  }

  it('takes a queued creation out of the queue before it touches Docker', async () => {
    let release!: () => void;
    compose.gate.up = new Promise<void>((r) => (release = r));
    await queued('first');
    const second = await queued('second');
    await queued('third');
    lifecycle.enqueueCreate('first');
    expect(lifecycle.enqueueCreate('second').queuePosition).toBe(1);
    lifecycle.enqueueCreate('third');

    const after = await lifecycle.cancelCreate('second');
    expect(after.status).toBe('failed');
    expectCancelled('second', second.project);
    // The one behind it moves up, and it is never started.
    expect(lifecycle.progress('third').events.at(-1)).toMatchObject({ queuePosition: 1 });
    release();
    await lifecycle.idle();
    expect(compose.runs).not.toContain('up ub_second');
    expect(registry.get('first')?.status).toBe('running');
    expect(registry.get('third')?.status).toBe('running');
    expect(steps('second')).toContain('queued:failed');
  });

  it('stops an image pull at once and rolls back', async () => {
    let pulling = false;
    // A registry that never answers: only the cancel can end this pull.
    engine.pullImage = () => {
      pulling = true;
      return new Promise<void>(() => undefined);
    };
    const inst = await queued('inpull');
    lifecycle.enqueueCreate('inpull');
    await until('inpull', 'pull:started');
    while (!pulling) await new Promise((r) => setTimeout(r, 2));
    const t0 = Date.now();
    await lifecycle.cancelCreate('inpull');
    expect(Date.now() - t0).toBeLessThan(500);
    expectCancelled('inpull', inst.project);
    expect(steps('inpull')).toContain('pull:failed');
    expect(compose.runs).not.toContain('up ub_inpull');
    await lifecycle.idle();
  });

  it('stops the health wait at once and removes containers, network and volumes', async () => {
    config.healthTimeoutMs = 60_000;
    engine.healthOnStart = () => 'starting';
    const inst = await queued('inhealth');
    lifecycle.enqueueCreate('inhealth');
    await until('inhealth', 'health:started');
    expect(engine.leftovers(inst.project).length).toBeGreaterThan(0);
    const t0 = Date.now();
    await lifecycle.cancelCreate('inhealth');
    expect(Date.now() - t0).toBeLessThan(1_000);
    expectCancelled('inhealth', inst.project);
    expect(steps('inhealth')).toEqual(expect.arrayContaining(['health:failed', 'rollback:done']));
    // Deleting it afterwards works: nothing holds the instance.
    await lifecycle.remove('inhealth');
  });

  it('refuses to cancel what is not being created', async () => {
    await create('settled');
    await expect(lifecycle.cancelCreate('settled')).rejects.toMatchObject({
      code: ErrorCode.INVALID_STATE,
    });
    expect(registry.get('settled')?.status).toBe('running');
  });
});
