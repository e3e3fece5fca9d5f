import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageHistory, type UsageSample } from './ring';
import { decodeInto, encodeHistory, loadHistory, saveHistory } from './snapshot';

const sample = (at: number): UsageSample => ({
  at: 1_767_000_000_000 + at * 300_000,
  cpuPercent: at * 1.5,
  memoryMb: 512 + at,
  netRxKb: 10 * at,
  netTxKb: 5 * at,
  diskMb: 0,
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ub-usage-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('usage snapshot', () => {
  it('brings back every project’s samples as they were, in a 0600 file', async () => {
    const before = new UsageHistory(5);
    for (let k = 0; k < 7; k++) before.record('proj-a', sample(k)); // wrapped: the newest 5
    before.record('proj-ção', sample(1));
    const file = join(dir, 'usage.bin');
    await saveHistory(file, before);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file)).length).toBeLessThan(4 + 2 * (2 + 9 + 4) + 6 * 28 + 16);

    const after = new UsageHistory(5);
    await loadHistory(file, after);
    expect(after.history('proj-a')).toEqual(before.history('proj-a'));
    expect(after.history('proj-a').map((s) => s.memoryMb)).toEqual([514, 515, 516, 517, 518]);
    expect(after.history('proj-ção')).toEqual([sample(1)]);
  });

  it('starts empty without a file, and refuses a damaged one without adding anything', async () => {
    const h = new UsageHistory(5);
    await loadHistory(join(dir, 'missing.bin'), h);
    expect(h.projects()).toEqual([]);

    const good = new UsageHistory(5);
    good.record('a', sample(1));
    good.record('b', sample(2));
    const bytes = encodeHistory(good);
    expect(() => decodeInto(bytes.subarray(0, bytes.length - 3), h)).toThrow(/truncated/);
    expect(h.projects()).toEqual([]);
    await writeFile(join(dir, 'junk.bin'), 'hello');
    await expect(loadHistory(join(dir, 'junk.bin'), h)).rejects.toThrow(/not a usage snapshot/);
  });
});
