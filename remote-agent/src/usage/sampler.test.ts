import { describe, expect, it } from 'vitest';
import type { ContainerSummary } from '../docker/engine';
import type { RawStats } from '../docker/stats-math';
import { UsageHistory } from './ring';
import { UsageSampler } from './sampler';

/** A small engine: containers by project, and counters a test moves forward between samples. */
function fakeEngine() {
  const containers: { Id: string; project: string }[] = [];
  const counters = new Map<
    string,
    { cpuNs: number; systemNs: number; mem: number; rx: number; tx: number }
  >();
  const oneShots: boolean[] = [];
  return {
    containers,
    counters,
    oneShots,
    engine: {
      listContainers: async () =>
        containers.map(
          (c) =>
            ({
              Id: c.Id,
              Labels: { 'com.docker.compose.project': c.project },
            }) as unknown as ContainerSummary,
        ),
      stats: async (id: string, opts?: { oneShot?: boolean }): Promise<RawStats> => {
        oneShots.push(opts?.oneShot === true);
        const c = counters.get(id)!;
        return {
          cpu_stats: {
            cpu_usage: { total_usage: c.cpuNs },
            system_cpu_usage: c.systemNs,
            online_cpus: 2,
          },
          memory_stats: { usage: c.mem, stats: { inactive_file: 10 * 2 ** 20 } },
          networks: { eth0: { rx_bytes: c.rx, tx_bytes: c.tx } },
        };
      },
    },
  };
}

describe('usage sampler', () => {
  it('records per-project averages over the interval, from counter deltas', async () => {
    const f = fakeEngine();
    f.containers.push(
      { Id: 'a-db', project: 'ub_a' },
      { Id: 'a-auth', project: 'ub_a' },
      { Id: 'b-db', project: 'ub_b' },
      { Id: 'other', project: 'someone-else' },
    );
    for (const id of ['a-db', 'a-auth', 'b-db', 'other']) {
      f.counters.set(id, { cpuNs: 0, systemNs: 1e12, mem: 110 * 2 ** 20, rx: 0, tx: 0 });
    }
    const history = new UsageHistory(10);
    let now = 1_000;
    const sampler = new UsageSampler({
      engine: f.engine,
      projects: () => [
        { id: 'a', project: 'ub_a' },
        { id: 'b', project: 'ub_b' },
      ],
      history,
      now: () => now,
    });
    await sampler.sample();
    // The first reading has no previous one: memory only, CPU and network still unknown (0).
    expect(history.history('a')).toEqual([
      { at: 1_000, cpuPercent: 0, memoryMb: 200, netRxKb: 0, netTxKb: 0, diskMb: 0 },
    ]);
    expect(f.oneShots.every(Boolean)).toBe(true);

    // Over the next interval the host's CPU time grows by 1e11 ns (2 CPUs); a-db used 5e9
    // (5% of the host × 2 CPUs = 10%), a-auth 1e9 (2%); a received 2 MB and sent 1 MB.
    now = 301_000;
    for (const id of ['a-db', 'a-auth', 'b-db']) f.counters.get(id)!.systemNs += 1e11;
    f.counters.get('a-db')!.cpuNs += 5e9;
    f.counters.get('a-auth')!.cpuNs += 1e9;
    f.counters.get('a-db')!.rx += 2 * 2 ** 20;
    f.counters.get('a-db')!.tx += 2 ** 20;
    await sampler.sample();
    const [, second] = history.history('a');
    expect(second!.at).toBe(301_000);
    expect(second!.cpuPercent).toBeCloseTo(12, 5);
    expect(second!.netRxKb).toBe(2048);
    expect(second!.netTxKb).toBe(1024);
    expect(history.history('b')[1]!.cpuPercent).toBe(0);
    expect(history.projects().sort()).toEqual(['a', 'b']);
  });

  it('primes a restarted container afresh, leaves a gap for a stopped project, forgets a deleted one', async () => {
    const f = fakeEngine();
    f.containers.push({ Id: 'a-db', project: 'ub_a' }, { Id: 'b-db', project: 'ub_b' });
    f.counters.set('a-db', { cpuNs: 9e12, systemNs: 1e13, mem: 0, rx: 5e9, tx: 5e9 });
    f.counters.set('b-db', { cpuNs: 0, systemNs: 1e13, mem: 0, rx: 0, tx: 0 });
    const history = new UsageHistory(10);
    let projects = [
      { id: 'a', project: 'ub_a' },
      { id: 'b', project: 'ub_b' },
    ];
    let now = 0;
    const sampler = new UsageSampler({
      engine: f.engine,
      projects: () => projects,
      history,
      now: () => (now += 1000),
    });
    await sampler.sample();
    // a's container is recreated (new id, counters from zero); b stops.
    f.containers.splice(0, 2, { Id: 'a-db-2', project: 'ub_a' });
    f.counters.set('a-db-2', { cpuNs: 1e9, systemNs: 1.1e13, mem: 0, rx: 10, tx: 10 });
    await sampler.sample();
    const a = history.history('a');
    expect(a).toHaveLength(2);
    expect(a[1]!.cpuPercent).toBe(0); // no negative or huge value from the old counters
    expect(a[1]!.netRxKb).toBe(0);
    expect(history.history('b')).toHaveLength(1);

    projects = [{ id: 'a', project: 'ub_a' }];
    await sampler.sample();
    expect(history.history('b')).toEqual([]);
    expect(history.projects()).toEqual(['a']);
  });

  it('skips a container whose stats fail and keeps sampling the others', async () => {
    const f = fakeEngine();
    f.containers.push({ Id: 'gone', project: 'ub_a' }, { Id: 'a-db', project: 'ub_a' });
    f.counters.set('a-db', { cpuNs: 0, systemNs: 1, mem: 50 * 2 ** 20, rx: 0, tx: 0 });
    const history = new UsageHistory(10);
    const sampler = new UsageSampler({
      engine: f.engine,
      projects: () => [{ id: 'a', project: 'ub_a' }],
      history,
      now: () => 5,
    });
    await sampler.sample();
    expect(history.history('a')[0]!.memoryMb).toBe(40);
  });
});
