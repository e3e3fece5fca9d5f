import { describe, expect, it } from 'vitest';
import { findShortfalls, type HostReadings } from '../system/resources';
import { checkResources } from './resources';

const host: HostReadings = {
  cpus: 2,
  load1: 1,
  memoryTotalMb: 4096,
  memoryAvailableMb: 1500,
  diskTotalMb: 50_000,
  diskFreeMb: 10_000,
};
const thresholds = { minFreeMemoryMb: 1024, minFreeDiskMb: 2048, maxLoadPerCore: 2 };

describe('resource check', () => {
  it('passes a host with room', async () => {
    expect(findShortfalls(host, thresholds).sentences).toEqual([]);
    await expect(checkResources(thresholds, async () => host)).resolves.toEqual(host);
  });

  it('refuses with INSUFFICIENT_RESOURCES naming every shortfall with its amount', async () => {
    const poor = { ...host, memoryAvailableMb: 700, diskFreeMb: 48, load1: 5 };
    const err = await checkResources(thresholds, async () => poor).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'INSUFFICIENT_RESOURCES',
      data: { memoryMissingMb: 324, diskMissingMb: 2000, loadPerCore: 2.5 },
    });
    expect((err as Error).message).toContain('324 MB missing');
  });
});
