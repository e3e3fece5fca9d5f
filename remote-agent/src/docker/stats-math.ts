import type { ServiceStats } from '@protocol/types';

/** The fields of `GET /containers/{id}/stats` that the agent reads. */
export interface RawStats {
  cpu_stats?: CpuSample;
  precpu_stats?: CpuSample;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
}

interface CpuSample {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

/** One service's numbers as the wire carries them, without the service name. */
export type StatsSummary = Omit<ServiceStats, 'service'>;

/**
 * The same arithmetic as `docker stats`: CPU is the container's share of the host's CPU time
 * between two samples, scaled by the number of CPUs (so 200% = two cores busy); memory leaves
 * out the page cache, which the kernel gives back under pressure.
 */
export function summarizeStats(raw: RawStats): StatsSummary {
  const cpu = raw.cpu_stats;
  const pre = raw.precpu_stats;
  let cpuPercent = 0;
  const cpuDelta = (cpu?.cpu_usage?.total_usage ?? 0) - (pre?.cpu_usage?.total_usage ?? 0);
  const sysDelta = (cpu?.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0);
  const cpus = cpu?.online_cpus || cpu?.cpu_usage?.percpu_usage?.length || 1;
  if (pre?.system_cpu_usage && cpuDelta > 0 && sysDelta > 0) {
    cpuPercent = Math.round((cpuDelta / sysDelta) * cpus * 100 * 100) / 100;
  }
  const mem = raw.memory_stats ?? {};
  const cache = mem.stats?.inactive_file ?? mem.stats?.total_inactive_file ?? mem.stats?.cache ?? 0;
  const memoryBytes = Math.max(0, (mem.usage ?? 0) - cache);
  let rx = 0;
  let tx = 0;
  for (const net of Object.values(raw.networks ?? {})) {
    rx += net.rx_bytes ?? 0;
    tx += net.tx_bytes ?? 0;
  }
  return {
    cpuPercent,
    memoryBytes,
    memoryLimitBytes: mem.limit ?? 0,
    networkRxBytes: rx,
    networkTxBytes: tx,
  };
}
