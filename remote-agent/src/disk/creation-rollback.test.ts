import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeCompose, FakeDockerEngine } from '../docker/fake-engine';
import { createDockerHost, type DockerHost } from '../docker/host';
import { InstanceLocks } from '../instances/state';
import { createLifecycle, type DockerLifecycle } from '../lifecycle/lifecycle';
import type { InstanceRegistry } from '../lifecycle/types';
import type { Instance } from '@protocol/types';
import type { AuditInput } from '../state/audit-log';

// A creation whose registry write fails for a full disk, on the lifecycle over the in-memory
// Docker: the stack it brought up must not stay behind, and the failure must say DISK_FULL.

/** A registry that, like the state store, keeps nothing it could not write. */
class FillingRegistry implements InstanceRegistry {
  readonly items = new Map<string, Instance>();
  /** The disk is full until the reserve is given back. */
  full = false;
  get(id: string) {
    const i = this.items.get(id);
    return i ? structuredClone(i) : undefined;
  }
  list() {
    return [...this.items.values()].map((i) => structuredClone(i));
  }
  async update(id: string, patch: Partial<Instance>) {
    if (this.full) {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }
    const next = { ...this.items.get(id)!, ...patch } as Instance;
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete (next as unknown as Record<string, unknown>)[k];
    }
    this.items.set(id, next);
    return structuredClone(next);
  }
}

let dataDir: string;
let engine: FakeDockerEngine;
let registry: FillingRegistry;
let docker: DockerHost;
let lifecycle: DockerLifecycle;
let audits: AuditInput[];
let released: number;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'ub-diskfull-'));
  engine = new FakeDockerEngine();
  registry = new FillingRegistry();
  docker = createDockerHost({
    dataDir,
    engine,
    compose: new FakeCompose(engine),
    readHost: async () => ({
      cpus: 2,
      load1: 0,
      memoryTotalMb: 8000,
      memoryAvailableMb: 6000,
      diskTotalMb: 50_000,
      diskFreeMb: 40_000,
    }),
  });
  audits = [];
  released = 0;
  lifecycle = createLifecycle(
    {
      registry,
      docker,
      locks: new InstanceLocks(),
      instanceDir: (id) => path.join(dataDir, 'instances', id),
      emit: (e) => {
        // The disk fills up while the stack turns healthy.
        if (e.type === 'instance.progress' && e.event.step === 'health' && !released) {
          registry.full = true;
        }
      },
      audit: (a) => audits.push(a),
      releaseDiskReserve: async () => {
        released += 1;
        registry.full = false;
      },
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

describe('a creation that fills the disk midway', () => {
  it('is rolled back (no container, network or volume left) and fails with DISK_FULL', async () => {
    const dir = path.join(dataDir, 'instances', 'full1');
    await mkdir(dir, { recursive: true });
    await writeFile(
      path.join(dir, 'docker-compose.yml'),
      'services:\n  db:\n    image: "fake/postgres:1"\n  rest:\n    image: "fake/rest:1"\n',
    );
    registry.items.set('full1', {
      id: 'full1',
      name: 'full1',
      owner: 'admin',
      status: 'queued',
      createdAt: '',
      updatedAt: '',
      exposure: 'private',
      ports: { kongHttp: 1, kongHttps: 2, postgres: 3, poolerTransaction: 4 },
      urls: { api: '', studio: '', database: '' },
      project: 'ub_full1',
    });
    lifecycle.enqueueCreate('full1');
    await lifecycle.idle();

    expect(released).toBe(1);
    expect(engine.leftovers('ub_full1')).toEqual([]);
    const after = registry.get('full1')!;
    expect(after.status).toBe('failed');
    expect(after.error).toMatchObject({ code: 'DISK_FULL' });
    expect(after.error!.reason).toContain('containers, network and volumes were removed');
    expect(audits.at(-1)).toMatchObject({
      action: 'instances.create.finish',
      result: 'error',
      code: 'DISK_FULL',
    });
  });
});
