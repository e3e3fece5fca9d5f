import { describe, expect, it } from 'vitest';
import type { Instance } from '@protocol/types';
import type { InstanceService } from '../instances/service';
import type { SubnetAllocator } from '../network/allocator';
import { CapacityService } from './service';

const entry = (id: string, owner: string): Instance =>
  ({ id, name: `p-${id}`, owner, status: 'running', size: { profile: 'small' } }) as Instance;

describe('capacity summary: disk per project', () => {
  it('lists the caller’s projects with a measured disk, largest first', async () => {
    const all = [entry('a', 'ana'), entry('b', 'ana'), entry('c', 'bia'), entry('d', 'ana')];
    const disk: Record<string, number | undefined> = { a: 300, b: 2048, c: 9999 };
    const service = new CapacityService({
      instances: { list: () => all.filter((i) => i.owner === 'ana') } as unknown as InstanceService,
      registryList: () => all,
      memoryTotalMb: async () => 16_000,
      overcommit: 2,
      subnets: {
        describe: () => ({ pool: '10.231.0.0/16', subnetPrefix: 27 }),
        used: 4,
        capacity: 2048,
      } as unknown as SubnetAllocator,
      portsLeft: () => ({}),
      apply: async () => {
        throw new Error('not used');
      },
      stackChanged: async () => undefined,
      diskMb: (id) => disk[id],
    });
    const summary = await service.summary({ username: 'ana', role: 'user' } as never);
    // c is another person's project: not listed; d has no measurement yet: not listed.
    expect(summary.disk).toEqual([
      { id: 'b', name: 'p-b', diskMb: 2048 },
      { id: 'a', name: 'p-a', diskMb: 300 },
    ]);
  });
});
