import { createHash } from 'node:crypto';
import { shellCommand, shellQuote } from '../ssh/shell-quote';
import type { RemoteLayout } from './plan';

/**
 * How the agent's Node process is started, in one place for the three ways it is started (the
 * systemd unit, the detached start without systemd, the `@reboot` crontab line). Measured on
 * the agent idle after one login (test/bench, `BENCH_MEMORY=1`, docs in the RSS rows):
 * - `--max-semi-space-size=1`: V8's young generation keeps 1 MiB semi-spaces instead of
 *   growing them to 8 MiB under the bursts of a connect or a run of creations; the agent's
 *   garbage is short-lived and small, so scavenges stay cheap (−2 MiB idle).
 * - `MALLOC_TRIM_THRESHOLD_`: glibc raises its trim threshold (and mmap threshold) to the size
 *   of the largest block it has freed, so after one scrypt password check (32 MiB) or a burst
 *   of creations it keeps freed memory at the top of the heap for good. A fixed threshold
 *   turns that dynamic adjustment off: freed memory above 128 KiB goes back to the kernel
 *   (−4 MiB idle, more after creations).
 * Not used: an explicit `gc()` once the agent goes quiet (`--expose-gc`) frees heap objects
 * but returns no page to the kernel (measured: RSS unchanged); V8's own memory reducer does
 * that, with a compacting collection about 8 s after the heap last grew.
 * Changing any of them changes `AGENT_LAUNCH_REVISION`, which is recorded with the installed agent:
 * a server installed with other settings is restarted with these at the next connect (plan.ts).
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
export const AGENT_ENV: Readonly<Record<string, string>> = { MALLOC_TRIM_THRESHOLD_: '131072' };

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
