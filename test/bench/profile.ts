// A CPU profile of this process (the desktop core runs in it) around one measure, summarised by
// self time: what limits a row, measured rather than guessed. Used when BENCH_PROFILE names the
// measure (e.g. BENCH_PROFILE=logs npm run bench -- --quick --no-renderer).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function profiling(measure: string): boolean {
  return (process.env.BENCH_PROFILE ?? '').split(',').includes(measure);
}

/** Runs `work` under the V8 profiler and prints the functions with the most self time. */
export async function withProfile<T>(label: string, work: () => Promise<T>, top = 25): Promise<T> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = (await post('Profiler.stop')) as { profile: CpuProfile };
    session.disconnect();
    saveProfile(label, profile);
    console.log(`\nCPU profile of ${label} (this process: the core; self time):`);
    for (const line of summarise(profile, top)) console.log(line);
  }
}

/** BENCH_PROFILE_DIR=<dir>: each profile is also written there, for DevTools or a flame graph. */
export function saveProfile(label: string, profile: CpuProfile): void {
  const dir = process.env.BENCH_PROFILE_DIR;
  if (!dir) return;
  const file = join(dir, `${label.replace(/[^a-z0-9]+/gi, '-')}-${Date.now()}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  console.log(`(profile written to ${file})`);
}

export function summarise(profile: CpuProfile, top: number): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id);
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    if (!n) return;
    const file = n.callFrame.url.split('/').pop() || '(native)';
    const key = `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return [
    `total ${total.toFixed(0)} ms`,
    ...[...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([k, ms]) =>
          `${((ms / total) * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(6)} ms  ${k}`,
      ),
  ];
}
