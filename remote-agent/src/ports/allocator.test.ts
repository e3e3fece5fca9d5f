import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { PortAllocator } from './allocator';
import { isPortBindable } from './probe';

const ranges = {
  kongHttp: [100, 102],
  kongHttps: [200, 202],
  postgres: [300, 302],
  poolerTransaction: [400, 402],
} as const;

function allocator(opts: { registry?: number[]; published?: number[]; busy?: number[] } = {}) {
  let probes = 0;
  const a = new PortAllocator({
    ranges,
    registryPorts: () => new Set(opts.registry ?? []),
    publishedPorts: async () => new Set(opts.published ?? []),
    isBindable: async (p) => {
      probes++;
      await new Promise((r) => setTimeout(r, 1));
      return !(opts.busy ?? []).includes(p);
    },
  });
  return { a, probes: () => probes };
}

describe('PortAllocator', () => {
  it('skips registry, published and unbindable ports', async () => {
    const { a } = allocator({ registry: [100], published: [101, 200], busy: [300, 301] });
    const lease = await a.allocate();
    expect(lease.ports).toEqual({
      kongHttp: 102,
      kongHttps: 201,
      postgres: 302,
      poolerTransaction: 400,
    });
  });

  it('never hands the same port to concurrent allocations', async () => {
    const { a } = allocator();
    const leases = await Promise.all([a.allocate(), a.allocate(), a.allocate()]);
    const all = leases.flatMap((l) => Object.values(l.ports));
    expect(new Set(all).size).toBe(12);
  });

  it('says which range is exhausted, and a released lease frees its ports', async () => {
    const { a } = allocator();
    const leases = await Promise.all([a.allocate(), a.allocate(), a.allocate()]);
    await expect(a.allocate()).rejects.toMatchObject({
      code: 'PORTS_EXHAUSTED',
      data: { range: 'kongHttp', from: 100, to: 102 },
    });
    leases[1]!.release();
    expect((await a.allocate()).ports.kongHttp).toBe(101);
  });
});

describe('isPortBindable', () => {
  it('sees a port held by a real listener on 127.0.0.1 as taken', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      expect(await isPortBindable(port)).toBe(false);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await isPortBindable(port)).toBe(true);
  });
});
