import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHost, summarizeResources } from './resources';

const thresholds = { minFreeMemoryMb: 1024, minFreeDiskMb: 2048, maxLoadPerCore: 2 };
const host = {
  memoryTotalMb: 16000,
  memoryAvailableMb: 5120,
  diskTotalMb: 100000,
  diskFreeMb: 50000,
  load1: 1,
  cpus: 4,
};
const input = { instances: 2, maxInstances: 10, thresholds, agentVersion: 'x' };

describe('summarizeResources', () => {
  it('fits as many as memory above the threshold allows, within the limit', () => {
    expect(summarizeResources(host, input).fitsMore).toBe(4);
    expect(summarizeResources(host, { ...input, instances: 9 }).fitsMore).toBe(1);
  });

  it('fits none when disk or load is past its threshold', () => {
    expect(summarizeResources({ ...host, diskFreeMb: 100 }, input).fitsMore).toBe(0);
    expect(summarizeResources({ ...host, load1: 9 }, input).fitsMore).toBe(0);
  });
});

describe('readHost', () => {
  it('reads real numbers from /proc and statfs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ub-res-'));
    try {
      const r = await readHost(dir);
      expect(r.memoryTotalMb).toBeGreaterThan(0);
      expect(r.memoryAvailableMb).toBeGreaterThan(0);
      expect(r.memoryAvailableMb).toBeLessThanOrEqual(r.memoryTotalMb);
      expect(r.diskTotalMb).toBeGreaterThan(0);
      expect(r.cpus).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
