import { describe, expect, it } from 'vitest';
import { UsageHistory, UsageRing, type UsageSample } from './ring';

const sample = (at: number, cpu = at): UsageSample => ({
  at,
  cpuPercent: cpu,
  memoryMb: 100 + at,
  netRxKb: 1,
  netTxKb: 2,
  diskMb: 3,
});

describe('UsageRing', () => {
  it('keeps the newest samples, oldest first, once full', () => {
    const ring = new UsageRing(3);
    for (let at = 1; at <= 5; at++) ring.push(sample(at));
    expect(ring.size).toBe(3);
    expect(ring.samples().map((s) => s.at)).toEqual([3, 4, 5]);
    expect(ring.samples(4).map((s) => s.memoryMb)).toEqual([104, 105]);
  });

  it('answers "which client ate the CPU": the samples keep their values', () => {
    const ring = new UsageRing(4);
    ring.push(sample(10, 2.5));
    ring.push(sample(20, 97.25));
    expect(ring.samples().map((s) => s.cpuPercent)).toEqual([2.5, 97.25]);
  });
});

describe('UsageHistory', () => {
  it('stays bounded: 120 projects x 7 days at 5-minute samples is a few MB however long it runs', () => {
    const history = new UsageHistory(2016);
    for (let p = 0; p < 120; p++) {
      for (let k = 0; k < 2016 * 2; k++) history.record(`p${p}`, sample(k));
    }
    expect(history.history('p7')).toHaveLength(2016);
    expect(history.bytes).toBe(120 * 2016 * (8 + 5 * 4));
    expect(history.bytes).toBeLessThan(7 * 1024 * 1024);
    history.forget('p7');
    expect(history.history('p7')).toEqual([]);
  });
});
