import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../auth/service';
import { generateCredentials } from '../credentials';
import { InstanceFiles } from '../instances/files';
import { StoreInstanceRegistry } from '../instances/registry';
import { InstanceService } from '../instances/service';
import type { Lifecycle } from '../lifecycle/types';
import { PortAllocator } from '../ports/allocator';
import { StateStore } from '../state/store';
import { COMPOSE_FILE, renderStack, type StackInput } from '../stack/render';
import { SubnetAllocator } from './allocator';
import { formatCidr, nthSubnet, overlaps, parseCidr, subnetCount } from './cidr';
import { parseRouteTable } from './host-routes';
import { networkPoolProblem } from './pool-check';

describe('cidr', () => {
  it('parses, formats and counts IPv4 blocks', () => {
    const pool = parseCidr('10.231.0.0/16')!;
    expect(formatCidr(pool)).toBe('10.231.0.0/16');
    expect(subnetCount(pool, 27)).toBe(2048);
    expect(formatCidr(nthSubnet(pool, 27, 0))).toBe('10.231.0.0/27');
    expect(formatCidr(nthSubnet(pool, 27, 9))).toBe('10.231.1.32/27');
    expect(formatCidr(nthSubnet(pool, 27, 2047))).toBe('10.231.255.224/27');
  });

  it('refuses host bits, junk and IPv6', () => {
    expect(parseCidr('10.231.0.1/16')).toBeUndefined();
    expect(parseCidr('10.300.0.0/16')).toBeUndefined();
    expect(parseCidr('fd00::/64')).toBeUndefined();
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
  });

  it('tells overlapping blocks from adjacent ones', () => {
    const a = parseCidr('10.231.0.0/27')!;
    expect(overlaps(a, parseCidr('10.231.0.32/27')!)).toBe(false);
    expect(overlaps(a, parseCidr('10.231.0.16/28')!)).toBe(true);
    expect(overlaps(a, parseCidr('10.0.0.0/8')!)).toBe(true);
  });
});

describe('host routes', () => {
  it('reads /proc/net/route: unreachable routes kept, the default route left out', () => {
    const table = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
      '*\t0000D50A\t00000000\t0201\t0\t0\t0\t0000FFFF\t0\t0\t0',
      'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
      'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    ].join('\n');
    expect(parseRouteTable(table).map(formatCidr)).toEqual([
      '10.213.0.0/16',
      '172.17.0.0/16',
      '192.0.2.0/24',
    ]);
  });
});

describe('pool check', () => {
  it('accepts a private range outside the engine pools', () => {
    expect(networkPoolProblem('10.231.0.0/16', 27)).toBeUndefined();
  });
  it.each([
    ['10.231.0.1/16', 27, /host bits/],
    ['8.8.0.0/16', 27, /inside 10\/8/],
    ['172.20.0.0/16', 27, /default address pool/],
    ['192.168.100.0/24', 27, /default address pool/],
    ['10.231.0.0/28', 27, /smaller than one/],
  ])('refuses %s', (pool, prefix, message) => {
    expect(networkPoolProblem(pool, prefix)).toMatch(message);
  });
});

function allocator(opts: { held?: string[]; engine?: string[]; routes?: string[]; pool?: string }) {
  const held = new Set(opts.held ?? []);
  const a = new SubnetAllocator({
    pool: opts.pool ?? '10.231.0.0/24',
    prefix: 27,
    registrySubnets: () => held,
    engineSubnets: async () => opts.engine ?? [],
    hostRoutes: async () => (opts.routes ?? []).map((r) => parseCidr(r)!),
  });
  return { a, held };
}

describe('SubnetAllocator', () => {
  it('skips subnets the registry holds, the engine uses and the host routes', async () => {
    const { a } = allocator({
      held: ['10.231.0.0/27'],
      engine: ['10.231.0.32/27', 'fd00::/64', '172.17.0.0/16'],
      routes: ['10.231.0.64/28'],
    });
    expect((await a.allocate()).subnet).toBe('10.231.0.96/27');
  });

  it('never hands one subnet to concurrent allocations until it is released', async () => {
    const { a } = allocator({});
    const leases = await Promise.all([a.allocate(), a.allocate(), a.allocate()]);
    expect(new Set(leases.map((l) => l.subnet)).size).toBe(3);
    leases[0]!.release();
    expect((await a.allocate()).subnet).toBe(leases[0]!.subnet);
  });

  it('says SUBNETS_EXHAUSTED with the numbers when the pool is full', async () => {
    const { a } = allocator({
      routes: ['10.231.0.0/25'],
      engine: ['10.231.0.128/26', '10.231.0.192/27'],
    });
    await a.allocate();
    await expect(a.allocate()).rejects.toMatchObject({
      code: 'SUBNETS_EXHAUSTED',
      data: { pool: '10.231.0.0/24', prefix: 27, capacity: 8 },
    });
  });

  it('counts capacity and use', async () => {
    const { a } = allocator({ held: ['10.231.0.0/27'] });
    expect(a.capacity).toBe(8);
    const lease = await a.allocate();
    expect(a.used).toBe(2);
    lease.release();
    expect(a.used).toBe(1);
  });
});

describe('instances get a subnet', () => {
  const root: Caller = { username: 'root', role: 'admin', grants: [], tokenHash: 'a' };
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ub-net-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function setup(failWrite = false) {
    const store = await StateStore.open(dir);
    const registry = new StoreInstanceRegistry(
      store,
      () => undefined,
      () => new Date(),
    );
    const service = new InstanceService({
      registry,
      files: new InstanceFiles(dir),
      stack: {
        async write(d) {
          if (failWrite) throw new Error('disk trouble');
          await fs.writeFile(path.join(d, '.env'), 'X=1\n', { mode: 0o600 });
        },
      },
      ports: new PortAllocator({
        ranges: {
          kongHttp: [1, 100],
          kongHttps: [101, 200],
          postgres: [201, 300],
          poolerTransaction: [301, 400],
        },
        registryPorts: () => registry.heldPorts(),
        publishedPorts: async () => new Set(),
        isBindable: async () => true,
      }),
      subnets: new SubnetAllocator({
        pool: '10.231.0.0/16',
        prefix: 27,
        registrySubnets: () => registry.heldSubnets(),
        engineSubnets: async () => [],
        hostRoutes: async () => [],
      }),
      generateSecrets: () => generateCredentials(),
      onSecrets: () => undefined,
      lifecycle: { remove: async () => undefined } as unknown as Lifecycle,
      config: { maxInstances: 10 },
      now: () => new Date(),
    });
    return { service, registry, store };
  }

  it('records distinct subnets in the registry, frees them on delete, survives a reopen', async () => {
    const { service, registry } = await setup();
    const made = await Promise.all(
      ['a1', 'a2', 'a3'].map((name) => service.create(root, { name, dryRun: true })),
    );
    const subnets = made.map((m) => m.instance.subnet);
    expect(new Set(subnets).size).toBe(3);
    expect(registry.heldSubnets()).toEqual(new Set(subnets));
    // The registry is the durable record: a new agent on the same state sees the same subnets.
    const reopened = await setup();
    expect(reopened.registry.heldSubnets()).toEqual(new Set(subnets));
    await service.delete(root, made[0]!.instance.id);
    expect(registry.heldSubnets().has(made[0]!.instance.subnet!)).toBe(false);
    const next = await service.create(root, { name: 'a4', dryRun: true });
    expect(next.instance.subnet).toBe(made[0]!.instance.subnet);
  });

  it('a failed creation frees its lease', async () => {
    const failing = await setup(true);
    await expect(failing.service.create(root, { name: 'b1', dryRun: true })).rejects.toThrow();
    const { service } = await setup();
    expect((await service.create(root, { name: 'b2', dryRun: true })).instance.subnet).toBe(
      '10.231.0.0/27',
    );
  });

  it('an entry from before subnets keeps working without one', async () => {
    const { service, store } = await setup();
    const { instance } = await service.create(root, { name: 'c1', dryRun: true });
    await store.mutate((state) => {
      delete state.instances[instance.id]!.subnet;
    });
    const { registry } = await setup();
    expect(registry.get(instance.id)!.subnet).toBeUndefined();
    expect(registry.heldSubnets().size).toBe(0);
  });
});

describe('the rendered compose file', () => {
  const input = (subnet?: string): StackInput => ({
    instanceId: 'abc123def',
    name: 'Client site',
    ports: { kongHttp: 8017, kongHttps: 8417, postgres: 5417, poolerTransaction: 6417 },
    exposure: 'private',
    externalHost: null,
    secrets: generateCredentials(),
    imageOverrides: {},
    ...(subnet ? { subnet } : {}),
  });
  const compose = (i: StackInput) =>
    renderStack(i).files.find((f) => f.path === COMPOSE_FILE)!.content;

  it('names the allocated subnet on the default network', () => {
    const text = compose(input('10.231.1.32/27'));
    expect(text).toMatch(
      /\nnetworks:\n {2}default:\n {4}ipam:\n {6}config:\n {8}- subnet: "10\.231\.1\.32\/27"\n/,
    );
  });

  it('leaves the engine its choice for a project recorded without a subnet', () => {
    expect(compose(input())).not.toMatch(/^networks:/m);
  });
});
