import { createHash } from 'node:crypto';
import { shellCommand, shellQuote } from '../ssh/shell-quote';
import type { RemoteLayout } from './plan';

/**
 * How the agent's Node process is started, in one place for the three ways it is started (the
 * systemd unit, the detached start without systemd, the `@reboot` crontab line). Measured with
 * `npm run bench -- --only capacity` (BENCH_MEMORY=idle|loaded prints the composition):
 * - `MALLOC_TRIM_THRESHOLD_`: glibc raises its trim threshold (and mmap threshold) to the size
 *   of the largest block it has freed, so after one scrypt password check (32 MiB) or a burst
 *   of creations it keeps the freed top of its heap for good. A fixed threshold turns that
 *   dynamic adjustment off and freed memory goes back to the kernel: idle 58 → 53 MiB,
 *   120 projects 83 → 74 MiB, creation latency unchanged within the noise.
 * - `MALLOC_MMAP_THRESHOLD_`: a log flood sends ~96 KiB messages, each a malloc'd buffer under
 *   glibc's 128 KiB mmap threshold, so they came from the heap arena; freed between live small
 *   blocks, they are not at its top and no trim returns them. The agent that had streamed
 *   3 × 100,000 lines kept 84–96 MiB after the 120 creations (74 MiB without the flood). At
 *   64 KiB they are mapped and unmapped on their own: 75 MiB after the flood, the log rate
 *   unchanged (586,000 lines/s against 442,000–552,000 in the runs before, same machine).
 * - No node flags. `--max-semi-space-size=1` (a 1 MiB young generation) saved another 5 MiB
 *   after the creations but made the creation at 120 projects slower (p50 43–51 ms against
 *   31 ms, interleaved runs); `--lite-mode` saved 9 MiB idle by dropping the optimizing
 *   compiler, which the log and list paths need; an explicit `gc()` after a burst frees
 *   objects but returns no page (V8's memory reducer does, ~8 s after the heap last grew).
 * Changing either list changes `AGENT_LAUNCH_REVISION`, which is recorded with the installed
 * agent: a server installed with other settings is restarted with these at the next connect
 * (plan.ts), even when the bundle is the same.
 */
export const AGENT_NODE_FLAGS: readonly string[] = [];
export const AGENT_ENV: Readonly<Record<string, string>> = {
  MALLOC_TRIM_THRESHOLD_: '131072',
  MALLOC_MMAP_THRESHOLD_: '65536',
};

/** Names the flags and environment above; stored in `<base>/agent/current` after the node path. */
export const AGENT_LAUNCH_REVISION =
  'launch-' +
  createHash('sha256')
    .update(JSON.stringify([AGENT_NODE_FLAGS, Object.entries(AGENT_ENV)]))
    .digest('hex')
    .slice(0, 12);

/** The `serve` arguments after the node executable. */
export function agentServeArgs(layout: RemoteLayout): string[] {
  return [
    ...AGENT_NODE_FLAGS,
    layout.bundlePath,
    'serve',
    '--data-dir',
    layout.dataDir,
    '--socket',
    layout.socketPath,
  ];
}

/** systemd `Environment=` lines for the unit. */
export function systemdEnvironment(): string {
  return Object.entries(AGENT_ENV)
    .map(([k, v]) => `Environment=${k}=${v}\n`)
    .join('');
}

/**
 * The `sh -c` script of the detached start and the boot entry, run as
 * `sh -c SCRIPT <pid file> <node> <bundle> <data dir> <socket>`: it writes its own pid, then
 * execs node in its place (so the pid file names the agent) with the flags and environment.
 */
export function detachedServeScript(): string {
  const env = Object.entries(AGENT_ENV)
    .map(([k, v]) => `export ${k}=${shellQuote(v)}; `)
    .join('');
  const flags = AGENT_NODE_FLAGS.length > 0 ? shellCommand(AGENT_NODE_FLAGS) + ' ' : '';
  return `echo $$ > "$0"; ${env}exec "$1" ${flags}"$2" serve --data-dir "$3" --socket "$4"`;
}
