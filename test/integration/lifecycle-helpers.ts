// What both lifecycle test files need around the lifecycle: an in-memory registry standing in
// for the control plane, instance records, leftover and port checks on the real engine.
import { createServer } from 'node:net';
import type { AgentEvent, Instance, InstancePorts } from '@protocol/types';
import type { InstanceRegistry } from '../../remote-agent/src/lifecycle/types';
import type { DockerEngine } from '../../remote-agent/src/docker/engine';

/** The control plane's registry, reduced to what the lifecycle needs; records every change. */
export class MemoryRegistry implements InstanceRegistry {
  readonly instances = new Map<string, Instance>();
  readonly events: AgentEvent[] = [];
  private readonly watchers = new Set<(e: AgentEvent) => void>();

  add(instance: Instance): void {
    this.instances.set(instance.id, instance);
  }
  drop(id: string): void {
    this.instances.delete(id);
    this.emit({ type: 'instance.deleted', instanceId: id });
  }
  get(id: string) {
    return this.instances.get(id);
  }
  list() {
    return [...this.instances.values()];
  }
  async update(id: string, patch: Partial<Instance>) {
    const current = this.instances.get(id);
    if (!current) throw new Error(`no instance ${id}`);
    const next: Instance = { ...current, ...patch, updatedAt: new Date().toISOString() };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete (next as unknown as Record<string, unknown>)[k];
    }
    this.instances.set(id, next);
    this.emit({ type: 'instance.changed', instance: next });
    return next;
  }
  emit(event: AgentEvent): void {
    this.events.push(event);
    for (const w of this.watchers) w(event);
  }
  /** Resolves with the first event (already seen or future) that matches. */
  waitFor(match: (e: AgentEvent) => boolean, timeoutMs: number, since = 0): Promise<AgentEvent> {
    const seen = this.events.slice(since).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.watchers.delete(watch);
        reject(new Error(`no matching event within ${timeoutMs} ms`));
      }, timeoutMs);
      const watch = (e: AgentEvent) => {
        if (!match(e)) return;
        clearTimeout(timer);
        this.watchers.delete(watch);
        resolve(e);
      };
      this.watchers.add(watch);
    });
  }
  statusOf(id: string) {
    return this.instances.get(id)?.status;
  }
}

export function instanceStatusEvent(id: string, status: string) {
  return (e: AgentEvent) =>
    e.type === 'instance.changed' && e.instance.id === id && e.instance.status === status;
}

export function newInstance(id: string, ports: InstancePorts): Instance {
  const now = new Date().toISOString();
  return {
    id,
    name: `test-${id}`,
    owner: 'admin',
    status: 'queued',
    createdAt: now,
    updatedAt: now,
    exposure: 'private',
    ports,
    urls: {
      studio: `http://127.0.0.1:${ports.kongHttp}`,
      api: `http://127.0.0.1:${ports.kongHttp}`,
      database: `postgres://postgres@127.0.0.1:${ports.postgres}/postgres`,
    },
    project: `ub_${id}`,
  };
}

/** Containers, networks and volumes still carrying the project's label. */
export async function leftovers(engine: DockerEngine, project: string) {
  const [containers, networks, volumes] = await Promise.all([
    engine.listContainers({ project, all: true }),
    engine.listNetworks(project),
    engine.listVolumes(project),
  ]);
  return {
    containers: containers.map((c) => c.Names[0]),
    networks: networks.map((n) => n.Name),
    volumes: volumes.map((v) => v.Name),
  };
}

export function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Ports nobody uses right now, far from the agent's default ranges. */
export async function freePorts(count: number, from = 30_000 + Math.floor(Math.random() * 20_000)) {
  const out: number[] = [];
  for (let p = from; out.length < count && p < 65_000; p++) {
    if (await canBind(p)) out.push(p);
  }
  return out;
}
