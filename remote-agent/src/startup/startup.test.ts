import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeCompose, FakeDockerEngine } from '../docker/fake-engine';
import { createDockerHost, type DockerHost } from '../docker/host';
import { InstanceLocks } from '../instances/state';
import { createLifecycle, type DockerLifecycle } from '../lifecycle/lifecycle';
import type { InstanceRegistry } from '../lifecycle/types';
import type { AgentEvent, Instance } from '@protocol/types';
import type { AuditInput } from '../state/audit-log';
import { startRecovery } from '.';

// The boot bring-up on the real lifecycle over the in-memory Docker: what a reboot leaves
// (containers exited, registry saying running) and what the agent does about it.

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

const COMPOSE = `services:
  db:
    image: "fake/postgres:1"
  rest:
    image: "fake/rest:1"
`;

let dataDir: string;
let engine: FakeDockerEngine;
let compose: FakeCompose;
let registry: Registry;
let docker: DockerHost;
let lifecycle: DockerLifecycle;
let events: AgentEvent[];
let audits: AuditInput[];

async function project(id: string, status: Instance['status']): Promise<void> {
  const dir = path.join(dataDir, 'instances', id);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'docker-compose.yml'), COMPOSE);
  registry.items.set(id, {
    id,
    name: id,
    owner: 'admin',
    status,
    createdAt: '',
    updatedAt: '',
    exposure: 'private',
    ports: { kongHttp: 1, kongHttps: 2, postgres: 3, poolerTransaction: 4 },
    urls: { api: '', studio: '', database: '' },
    project: `ub_${id}`,
  });
  // The stack existed before the reboot; after it every container is exited.
  for (const service of ['db', 'rest']) engine.startService(`ub_${id}`, service, 'x');
  for (const c of engine.projectContainers(`ub_${id}`)) c.status = 'exited';
}

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'ub-startup-'));
  engine = new FakeDockerEngine();
  compose = new FakeCompose(engine);
  registry = new Registry();
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
  events = [];
  audits = [];
  lifecycle = createLifecycle(
    {
      registry,
      docker,
      locks: new InstanceLocks(),
      instanceDir: (id) => path.join(dataDir, 'instances', id),
      emit: (e) => events.push(e),
      audit: () => {},
      config: {
        creationConcurrency: 1,
        resources: { minFreeMemoryMb: 1, minFreeDiskMb: 1, maxLoadPerCore: 4 },
        dataDir,
        healthTimeoutMs: 500,
      },
    },
    { attempts: 1, retryBaseMs: 1, statusDebounceMs: 1 },
  );
});

afterEach(async () => {
  await lifecycle.close();
  await docker.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function connected(): Promise<void> {
  for (let i = 0; i < 100 && !docker.engineLink().connected; i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('recovery after a reboot, on the lifecycle over a fake engine', () => {
  it('brings running projects back databases first, N at once; stopped ones stay stopped', async () => {
    for (const id of ['p1', 'p2', 'p3', 'p4']) await project(id, 'running');
    await project('off', 'stopped');
    await connected();
    await lifecycle.reconcile();
    expect(registry.get('p1')!.status).toBe('degraded');

    const recovery = startRecovery({
      lifecycle,
      docker,
      config: { settleMs: 0, concurrency: 2 },
      emit: (e) => events.push(e),
      audit: (a) => audits.push(a),
      onError: (e) => {
        throw e;
      },
    });
    await recovery.idle();
    await recovery.close();

    for (const id of ['p1', 'p2', 'p3', 'p4']) {
      expect(registry.get(id)!.status).toBe('running');
      expect(engine.projectContainers(`ub_${id}`).every((c) => c.status === 'running')).toBe(true);
    }
    expect(registry.get('off')!.status).toBe('stopped');
    expect(engine.projectContainers('ub_off').every((c) => c.status === 'exited')).toBe(true);

    const ups = compose.runArgs.filter((r) => r.action === 'up');
    const firstFull = ups.findIndex((r) => r.extra.length === 0);
    expect(ups.slice(0, firstFull).map((r) => `${r.project} ${r.extra.join(' ')}`)).toEqual([
      'ub_p1 db',
      'ub_p2 db',
      'ub_p3 db',
      'ub_p4 db',
    ]);
    expect(ups.slice(firstFull).every((r) => r.extra.length === 0)).toBe(true);

    const progress = events.flatMap((e) => (e.type === 'agent.recovery' ? [e.event] : []));
    expect(progress.map((p) => p.phase)).toEqual([
      'settling',
      'databases',
      'databases',
      'databases',
      'databases',
      'databases',
      'services',
      'services',
      'services',
      'services',
      'services',
      'done',
    ]);
    expect(progress.at(-1)).toMatchObject({ reason: 'agent-start', total: 4, done: 4 });
    expect(audits).toMatchObject([
      { action: 'agent.recovery', result: 'ok', detail: { reason: 'agent-start' } },
    ]);
  });

  it('runs again when the engine comes back after dockerd went away', async () => {
    await project('p1', 'running');
    for (const c of engine.projectContainers('ub_p1')) c.status = 'running';
    await connected();
    const recovery = startRecovery({
      lifecycle,
      docker,
      config: { settleMs: 0, concurrency: 2 },
      emit: (e) => events.push(e),
      audit: (a) => audits.push(a),
      onError: () => {},
    });
    await recovery.idle();
    expect(audits).toEqual([]);

    // dockerd restarts: the event stream ends, containers die, the stream opens again.
    for (const c of engine.projectContainers('ub_p1')) c.status = 'exited';
    (engine as unknown as { eventStreams: Set<{ end(): void }> }).eventStreams.forEach((s) =>
      s.end(),
    );
    for (let i = 0; i < 200 && audits.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      await recovery.idle();
    }
    await recovery.close();
    expect(audits).toMatchObject([
      { action: 'agent.recovery', detail: { reason: 'engine-restart', started: ['p1'] } },
    ]);
    expect(engine.projectContainers('ub_p1').every((c) => c.status === 'running')).toBe(true);
  });

  it('at a boot where the agent is up before dockerd, the pass runs once the engine answers', async () => {
    await lifecycle.close();
    await docker.close();
    engine.unavailable = true;
    docker = createDockerHost({ dataDir, engine, compose });
    lifecycle = createLifecycle(
      {
        registry,
        docker,
        locks: new InstanceLocks(),
        instanceDir: (id) => path.join(dataDir, 'instances', id),
        emit: (e) => events.push(e),
        audit: () => {},
        config: {
          creationConcurrency: 1,
          resources: { minFreeMemoryMb: 1, minFreeDiskMb: 1, maxLoadPerCore: 4 },
          dataDir,
          healthTimeoutMs: 500,
        },
      },
      { attempts: 1, retryBaseMs: 1, statusDebounceMs: 1 },
    );
    await project('p1', 'running');
    const recovery = startRecovery({
      lifecycle,
      docker,
      config: { settleMs: 0, concurrency: 2 },
      emit: (e) => events.push(e),
      audit: (a) => audits.push(a),
      onError: () => {},
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(recovery.holdsRepairs()).toBe(true);
    expect(audits).toEqual([]);
    engine.unavailable = false;
    for (let i = 0; i < 200 && audits.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      await recovery.idle();
    }
    await recovery.close();
    expect(audits[0]).toMatchObject({ detail: { reason: 'agent-start', started: ['p1'] } });
    expect(engine.projectContainers('ub_p1').every((c) => c.status === 'running')).toBe(true);
  });
});
