import { describe, expect, it } from 'vitest';
import { summarizeStats } from './stats-math';

describe('summarizeStats', () => {
  it('computes CPU like docker stats, leaves page cache out of memory, sums networks', () => {
    const s = summarizeStats({
      cpu_stats: { cpu_usage: { total_usage: 3_000 }, system_cpu_usage: 20_000, online_cpus: 2 },
      precpu_stats: { cpu_usage: { total_usage: 1_000 }, system_cpu_usage: 10_000 },
      memory_stats: {
        usage: 100 * 2 ** 20,
        limit: 2 ** 30,
        stats: { inactive_file: 20 * 2 ** 20 },
      },
      networks: { eth0: { rx_bytes: 10, tx_bytes: 20 }, eth1: { rx_bytes: 1, tx_bytes: 2 } },
    });
    expect(s).toEqual({
      cpuPercent: 40, // 2000/10000 of the host × 2 cores
      memoryBytes: 80 * 2 ** 20,
      memoryLimitBytes: 2 ** 30,
      networkRxBytes: 11,
      networkTxBytes: 22,
    });
  });

  it('reports 0 % without a previous sample instead of a bogus number', () => {
    const s = summarizeStats({
      cpu_stats: { cpu_usage: { total_usage: 3_000 }, system_cpu_usage: 20_000, online_cpus: 2 },
      precpu_stats: {},
    });
    expect(s.cpuPercent).toBe(0);
  });
});
