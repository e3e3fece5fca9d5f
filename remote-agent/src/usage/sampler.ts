import type { DockerEngine } from '../docker/engine';
import { COMPOSE_PROJECT_LABEL } from '../docker/engine';
import type { RawStats } from '../docker/stats-math';
import type { UsageHistory } from './ring';

/** One sample every 5 minutes: 7 days fit the ring's 2,016 slots. */
export const USAGE_SAMPLE_INTERVAL_MS = 5 * 60_000;
/** Stats calls in flight at once: the engine is shared with everything else the agent does. */
const PARALLEL = 4;
/** Disk is walked every 12th sample (hourly): a Postgres data folder holds thousands of files. */
export const DISK_EVERY = 12;

/** A container's cumulative counters, as the last sample read them. */
interface Counters {
  cpuNs: number;
  systemNs: number;
  cpus: number;
  rxBytes: number;
  txBytes: number;
}

export interface UsageSamplerDeps {
  engine: Pick<DockerEngine, 'listContainers' | 'stats'>;
  /** The registry's projects: instance id and compose project name. */
  projects(): readonly { id: string; project: string }[];
  history: UsageHistory;
  /** Bytes the project's own folders take on disk (its instance folder); absent: not sampled. */
  diskBytes?(id: string): Promise<number>;
  now?: () => number;
}

function countersOf(raw: RawStats): Counters {
  let rxBytes = 0;
  let txBytes = 0;
  for (const n of Object.values(raw.networks ?? {})) {
    rxBytes += n.rx_bytes ?? 0;
    txBytes += n.tx_bytes ?? 0;
  }
  const cpu = raw.cpu_stats;
  return {
    cpuNs: cpu?.cpu_usage?.total_usage ?? 0,
    systemNs: cpu?.system_cpu_usage ?? 0,
    cpus: cpu?.online_cpus || cpu?.cpu_usage?.percpu_usage?.length || 1,
    rxBytes,
    txBytes,
  };
}

/** Memory as `docker stats` shows it: without the page cache the kernel gives back. */
function memoryBytesOf(raw: RawStats): number {
  const mem = raw.memory_stats ?? {};
  const cache = mem.stats?.inactive_file ?? mem.stats?.total_inactive_file ?? mem.stats?.cache ?? 0;
  return Math.max(0, (mem.usage ?? 0) - cache);
}

/**
 * Every few minutes, each project's CPU, memory and network from its running containers, into
 * the bounded history. CPU and network are the averages over the whole interval (counter
 * deltas between two one-shot readings), not a one-second glimpse: "who ate the CPU last
 * night" needs what happened between samples. A container seen for the first time only primes
 * its counters; a project with no running container gets no sample (a gap: it was not running).
 */
export class UsageSampler {
  private last = new Map<string, Counters>();
  /** Each project's disk as last walked, carried into every sample until the next walk. */
  private disk = new Map<string, number>();
  private ticks = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: UsageSamplerDeps) {}

  async sample(): Promise<void> {
    const now = (this.deps.now ?? Date.now)();
    const byProject = new Map(this.deps.projects().map((p) => [p.project, p.id]));
    const containers = (await this.deps.engine.listContainers({})).filter((c) =>
      byProject.has(c.Labels[COMPOSE_PROJECT_LABEL] ?? ''),
    );
    const totals = new Map<
      string,
      { cpuPercent: number; memoryMb: number; netRxKb: number; netTxKb: number }
    >();
    const seen = new Map<string, Counters>();
    let next = 0;
    const worker = async () => {
      for (;;) {
        const c = containers[next++];
        if (!c) return;
        const raw = await this.deps.engine.stats(c.Id, { oneShot: true }).catch(() => undefined);
        if (!raw) continue;
        const id = byProject.get(c.Labels[COMPOSE_PROJECT_LABEL] ?? '')!;
        const counters = countersOf(raw);
        seen.set(c.Id, counters);
        const total = totals.get(id) ?? { cpuPercent: 0, memoryMb: 0, netRxKb: 0, netTxKb: 0 };
        totals.set(id, total);
        total.memoryMb += memoryBytesOf(raw) / 2 ** 20;
        const before = this.last.get(c.Id);
        if (!before) continue;
        const cpuDelta = counters.cpuNs - before.cpuNs;
        const systemDelta = counters.systemNs - before.systemNs;
        if (cpuDelta > 0 && systemDelta > 0) {
          total.cpuPercent += (cpuDelta / systemDelta) * counters.cpus * 100;
        }
        total.netRxKb += Math.max(0, counters.rxBytes - before.rxBytes) / 1024;
        total.netTxKb += Math.max(0, counters.txBytes - before.txBytes) / 1024;
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    // Only containers still running keep counters; a restarted one starts afresh.
    this.last = seen;
    if (this.deps.diskBytes && this.ticks++ % DISK_EVERY === 0) {
      for (const id of totals.keys()) {
        const bytes = await this.deps.diskBytes(id).catch(() => undefined);
        if (bytes !== undefined) this.disk.set(id, bytes / 2 ** 20);
      }
    }
    for (const [id, t] of totals) {
      this.deps.history.record(id, { at: now, ...t, diskMb: this.disk.get(id) ?? 0 });
    }
    // A deleted project's history goes with it.
    const registered = new Set(byProject.values());
    for (const id of this.deps.history.projects()) {
      if (!registered.has(id)) this.deps.history.forget(id);
    }
    for (const id of this.disk.keys()) if (!registered.has(id)) this.disk.delete(id);
  }

  start(intervalMs = USAGE_SAMPLE_INTERVAL_MS): void {
    const tick = () => void this.sample().catch(() => undefined);
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
