import { mkdtempSync, promises as fs, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../auth/service';
import { generateCredentials } from '../credentials';
import type { Lifecycle } from '../lifecycle/types';
import type { AgentEvent, Instance } from '@protocol/types';
import { PortAllocator } from '../ports/allocator';
import { StateStore } from '../state/store';
import { InstanceFiles, type StackFileWriter } from './files';
import { StoreInstanceRegistry } from './registry';
import { FAILED_PER_USER, InstanceService } from './service';

const admin: Caller = { username: 'root', role: 'admin', grants: [], tokenHash: 'a' };
const ana: Caller = { username: 'ana', role: 'user', grants: [], tokenHash: 'b' };
const bob: Caller = { username: 'bob', role: 'user', grants: [], tokenHash: 'c' };

let dir: string;
let events: AgentEvent[];
let written: string[];
let failWrite: boolean;
let queued: string[];

/** The Docker side, reduced to the queue the control plane hands real creations to. */
const fakeLifecycle = (): Partial<Lifecycle> => ({
  enqueueCreate: (id) => (queued.push(id), { queuePosition: queued.length }),
  remove: async () => undefined,
});

async function setup(lifecycle: Partial<Lifecycle> = fakeLifecycle(), maxInstances = 10) {
  const store = await StateStore.open(dir);
  const registry = new StoreInstanceRegistry(
    store,
    (e) => events.push(e),
    () => new Date(),
  );
  const files = new InstanceFiles(dir);
  const stack: StackFileWriter = {
    async write(d, { instance }) {
      if (failWrite) throw new Error('disk trouble');
      await fs.writeFile(path.join(d, '.env'), `ID=${instance.id}\n`, { mode: 0o600 });
      written.push(instance.id);
    },
  };
  const ports = new PortAllocator({
    ranges: {
      kongHttp: [1, 100],
      kongHttps: [101, 200],
      postgres: [201, 300],
      poolerTransaction: [301, 400],
    },
    registryPorts: () => registry.heldPorts(),
    publishedPorts: async () => new Set(),
    isBindable: async () => true,
  });
  const service = new InstanceService({
    registry,
    files,
    stack,
    ports,
    generateSecrets: () => generateCredentials(),
    onSecrets: () => undefined,
    lifecycle: lifecycle as Lifecycle,
    config: { maxInstances, externalHost: '203.0.113.10' },
    now: () => new Date(),
  });
  return { service, registry, files };
}

const code = async (p: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'ok';
  } catch (e) {
    return (e as { code: string }).code;
  }
};

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ub-inst-'));
  events = [];
  written = [];
  failWrite = false;
  queued = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('InstanceService', () => {
  it('creates a dry-run instance with files, ports, urls and an event', async () => {
    const { service } = await setup();
    const { instance, queuePosition } = await service.create(ana, { name: 'Shop', dryRun: true });
    expect(queuePosition).toBe(0);
    expect(instance).toMatchObject({ owner: 'ana', status: 'created', exposure: 'private' });
    expect(instance.ports).toEqual({
      kongHttp: 1,
      kongHttps: 101,
      postgres: 201,
      poolerTransaction: 301,
    });
    expect(instance.urls.api).toBe('http://127.0.0.1:1');
    expect(readdirSync(path.join(dir, 'instances', instance.id)).sort()).toEqual([
      '.env',
      'secrets.json',
    ]);
    expect(events.at(-1)).toMatchObject({
      type: 'instance.changed',
      instance: { id: instance.id },
    });
    const pub = await service.create(ana, { name: 'Pub', dryRun: true, exposure: 'public' });
    expect(pub.instance.urls.api).toBe('http://203.0.113.10:2');
  });

  it('enforces visibility: own, granted, admin; delete by owner or admin only', async () => {
    const { service } = await setup();
    const { instance } = await service.create(ana, { name: 'Shop', dryRun: true });
    expect(service.list(bob)).toEqual([]);
    expect(await code(() => service.get(bob, instance.id))).toBe('NOT_FOUND');
    const granted: Caller = { ...bob, grants: [instance.id] };
    expect(service.get(granted, instance.id).id).toBe(instance.id);
    expect((await service.credentials(granted, instance.id)).anonKey).toMatch(/\./);
    expect(await code(service.delete(granted, instance.id))).toBe('FORBIDDEN');
    expect(service.list(admin)).toHaveLength(1);
    await service.delete(admin, instance.id);
    expect(events.at(-1)).toEqual({ type: 'instance.deleted', instanceId: instance.id });
    expect(readdirSync(path.join(dir, 'instances'))).toEqual([]);
  });

  it('lets only the creator or an admin cancel a creation', async () => {
    const cancelled: string[] = [];
    const { service } = await setup({
      ...fakeLifecycle(),
      cancelCreate: async (id) => (cancelled.push(id), service.get(admin, id)),
    });
    const { instance } = await service.create(ana, { name: 'Shop' });
    const granted: Caller = { ...bob, grants: [instance.id] };
    expect(await code(service.cancel(bob, instance.id))).toBe('NOT_FOUND');
    expect(await code(service.cancel(granted, instance.id))).toBe('FORBIDDEN');
    expect(cancelled).toEqual([]);
    await service.cancel(ana, instance.id);
    await service.cancel(admin, instance.id);
    expect(cancelled).toEqual([instance.id, instance.id]);
  });

  it('leaves nothing behind when writing files fails, and frees the ports', async () => {
    const { service, registry } = await setup();
    failWrite = true;
    await expect(service.create(ana, { name: 'Broken', dryRun: true })).rejects.toThrow('disk');
    expect(registry.list()).toEqual([]);
    expect(readdirSync(path.join(dir, 'instances'))).toEqual([]);
    failWrite = false;
    const { instance } = await service.create(ana, { name: 'Works', dryRun: true });
    expect(instance.ports.kongHttp).toBe(1);
  });

  it('refuses names and duplicates per owner before allocating anything', async () => {
    const { service } = await setup();
    await service.create(ana, { name: 'Shop', dryRun: true });
    expect(await code(service.create(ana, { name: 'shop', dryRun: true }))).toBe('INVALID_NAME');
    expect(await code(service.create(ana, { name: 'a/b', dryRun: true }))).toBe('INVALID_NAME');
    expect(await code(service.create(bob, { name: 'Shop', dryRun: true }))).toBe('ok');
    expect(written).toHaveLength(2);
  });

  it('queues a real creation and counts it against MAX_INSTANCES', async () => {
    const withDocker = await setup(fakeLifecycle(), 1);
    const first = await withDocker.service.create(ana, { name: 'One' });
    expect(first.instance.status).toBe('queued');
    expect(first.instance.project).toBe(`ub_${first.instance.id}`);
    expect(first.queuePosition).toBe(1);
    expect(queued).toEqual([first.instance.id]);
    expect(await code(withDocker.service.create(ana, { name: 'Two' }))).toBe('LIMIT_REACHED');
    // Dry runs and failed instances do not count against MAX_INSTANCES.
    expect(await code(withDocker.service.create(ana, { name: 'Dry', dryRun: true }))).toBe('ok');
  });

  it('caps dry runs at half the smallest port range, so they cannot block real creations (finding 7)', async () => {
    const { service } = await setup();
    // The ranges hold 100 instances here: dry runs may take 50.
    for (let i = 0; i < 50; i++) await service.create(ana, { name: `Dry ${i}`, dryRun: true });
    const refused = await service.create(ana, { name: 'One more', dryRun: true }).catch((e) => e);
    expect(refused).toMatchObject({ code: 'LIMIT_REACHED', data: { kind: 'dryRuns', max: 50 } });
    expect(await code(service.create(bob, { name: 'Bob plan', dryRun: true }))).toBe(
      'LIMIT_REACHED',
    );
    const real = await service.create(bob, { name: 'Real' });
    expect(real.instance.ports.kongHttp).toBe(51);
  });

  it('caps the failed creations one person keeps, since each holds its ports (finding 10)', async () => {
    const { service, registry } = await setup();
    for (let i = 0; i < FAILED_PER_USER; i++) {
      const { instance } = await service.create(ana, { name: `Bad ${i}` });
      await registry.update(instance.id, { status: 'failed' });
    }
    const refused = await service.create(ana, { name: 'Again' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'LIMIT_REACHED', data: { kind: 'failed' } });
    expect(await code(service.create(bob, { name: 'Other person' }))).toBe('ok');
  });

  it('failed instances keep their ports until deleted, so no one else is given them (finding 10)', async () => {
    const { service, registry } = await setup();
    const { instance } = await service.create(ana, { name: 'A', dryRun: true });
    const updated: Instance = await registry.update(instance.id, {
      status: 'failed',
      error: { code: 'X', reason: 'r', at: 'now' },
    });
    expect(updated.status).toBe('failed');
    expect(registry.heldPorts()).toEqual(new Set(Object.values(instance.ports)));
    const next = await service.create(ana, { name: 'B', dryRun: true });
    expect(next.instance.ports.kongHttp).toBe(2);
    const cleared = await registry.update(instance.id, { error: undefined, owner: 'mallory' });
    expect(cleared.error).toBeUndefined();
    expect(cleared.owner).toBe('ana');
    await service.delete(ana, instance.id);
    const third = await service.create(ana, { name: 'C', dryRun: true });
    expect(third.instance.ports.kongHttp).toBe(1);
  });
});
