// The agent's resident memory (VmRSS of the daemon's pid, read from /proc: the rig host shares
// the machine's pid namespace), and the size of the bundle the desktop uploads.
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { agentPid, type BenchContext } from '../setup';
import { fmtBytes, type Row } from '../report';

const MiB = 1024 * 1024;
/** DESIGN.md §7 states the targets in MB: 10^6 bytes (60 MB = 57.2 MiB). */
const MB = 1_000_000;
/** How long the daemon is left alone before its idle RSS is read (see `idleRssBytes`). */
export const IDLE_SETTLE_MS = 10_000;

export async function agentRssBytes(ctx: BenchContext): Promise<number> {
  const status = await readFile(`/proc/${await agentPid(ctx)}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) * 1024;
}

/** CPU time the daemon has used so far (user + system, /proc/<pid>/stat), in ms. */
export async function agentCpuMs(ctx: BenchContext): Promise<number> {
  const stat = await readFile(`/proc/${await agentPid(ctx)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5), 12 and 13 after the command name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** The kernel's account of the daemon's memory: /proc/<pid>/smaps_rollup and status, in KiB. */
async function procMemory(pid: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  for (const m of rollup.matchAll(
    /^(Rss|Pss|Shared_Clean|Private_Clean|Private_Dirty|Anonymous|Swap):\s+(\d+) kB/gm,
  ))
    out[m[1] as string] = Number(m[2]);
  for (const m of status.matchAll(/^(VmHWM|VmRSS|RssAnon|RssFile|RssShmem|Threads):\s+(\d+)/gm))
    out[m[1] as string] = Number(m[2]);
  return out;
}

/**
 * BENCH_MEMORY=idle|loaded: what the agent's RSS is made of, printed to the log (not a row): the kernel's
 * view, then process.memoryUsage() and V8's heap spaces through the agent's inspector, before and
 * after a full GC. Opening the inspector costs the daemon memory itself (a thread and its
 * buffers), so RSS rows read after this are not comparable: use it in runs of its own.
 */
export async function memoryBreakdown(ctx: BenchContext, label: 'idle' | 'loaded'): Promise<void> {
  if (process.env.BENCH_MEMORY !== label) return;
  const pid = await agentPid(ctx);
  const kib = (n: number | undefined) => `${((n ?? NaN) / 1024).toFixed(1)}`;
  const proc = await procMemory(pid);
  ctx.log(
    `memory ${label}: VmRSS ${kib(proc.VmRSS)} MiB (anon ${kib(proc.RssAnon)}, file ` +
      `${kib(proc.RssFile)}), VmHWM ${kib(proc.VmHWM)}, private dirty ${kib(proc.Private_Dirty)}, ` +
      `threads ${proc.Threads}`,
  );
  process.kill(pid, 'SIGUSR1');
  const root = resolve(process.env.ULTRABASE_ROOT ?? process.cwd());
  const json = await new Promise<string>((res, rej) =>
    execFile(
      'nsenter',
      [
        `--net=/proc/${pid}/ns/net`,
        process.execPath,
        join(root, 'test/bench/agent-memory.mjs'),
        'gc',
      ],
      { env: { ...process.env, WS_MODULE: join(root, 'node_modules/ws') }, timeout: 20_000 },
      (err, stdout) => (err ? rej(err) : res(stdout)),
    ),
  );
  type Sample = {
    usage: Record<string, number>;
    spaces: Record<string, { size: number; used: number; committed: number }> | null;
  };
  const data = JSON.parse(json) as { before: Sample; afterGc?: Sample };
  const mib = (n: number | undefined) => ((n ?? NaN) / MiB).toFixed(1);
  for (const [when, s] of Object.entries(data)) {
    if (!s) continue;
    const u = s.usage;
    ctx.log(
      `  ${when}: rss ${mib(u.rss)} heapTotal ${mib(u.heapTotal)} heapUsed ${mib(u.heapUsed)} ` +
        `external ${mib(u.external)} arrayBuffers ${mib(u.arrayBuffers)} (MiB)`,
    );
    if (s.spaces)
      ctx.log(
        '    ' +
          Object.entries(s.spaces)
            .filter(([, v]) => v.size > 0)
            .map(([k, v]) => `${k} ${mib(v.committed)}/${mib(v.used)}`)
            .join(', ') +
          ' (committed/used MiB)',
      );
  }
  const after = await procMemory(pid);
  ctx.log(`  VmRSS after the GC (inspector open): ${kib(after.VmRSS)} MiB`);
}

/**
 * The idle RSS, read twice: right away (called 2 s after the first connect and login) and after
 * `IDLE_SETTLE_MS` more without a call. The second is the row: V8's memory reducer compacts
 * the heap and gives its pages back about 8 s after the heap last grew (here: the login), so a
 * read 2 s after the connect sees the connect's garbage, not the daemon at rest.
 */
export async function idleRssBytes(
  ctx: BenchContext,
): Promise<{ afterConnect: number; settled: number }> {
  const afterConnect = await agentRssBytes(ctx);
  await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
  return { afterConnect, settled: await agentRssBytes(ctx) };
}

/** Measured composition of the idle agent, for the rows' notes (BENCH_MEMORY=idle). */
const IDLE_COMPOSITION =
  'Measured (BENCH_MEMORY=idle: smaps, process.memoryUsage() and V8’s heap spaces through the ' +
  'inspector) on Node 20: about 42 MiB of the RSS are pages of the node executable itself (a ' +
  'bare `node -e` idling has 34 MiB of them; the agent adds V8’s optimizing compiler and the ' +
  'crypto, net and child_process code); about 13–15 MiB are anonymous: the V8 heap (7–8 MiB ' +
  'old space, under 1 MiB of code, 2 MiB young generation) and malloc. What took it from 64 ' +
  'MiB: `MALLOC_TRIM_THRESHOLD_=131072` in every launcher (electron/src/core/bootstrap/' +
  'launch.ts; −5 MiB: glibc otherwise raises its trim threshold to the largest block freed, ' +
  'the 32 MiB of the scrypt login, and keeps the freed top of its heap), no `localeCompare` ' +
  'on the start and list paths (−3 MiB of ICU collation tables), and reading it once V8’s ' +
  'memory reducer has run.';

export function rssRows(
  idle: { afterConnect: number; settled: number },
  loaded: number,
  instances: number,
): Row[] {
  const whenMissed =
    IDLE_COMPOSITION +
    ' Left to try, each measured: `--max-semi-space-size=1` saved 5 MiB after creations but ' +
    'slowed the creation at 120 projects; `--lite-mode` saved 9 MiB idle by dropping the ' +
    'optimizing compiler the log and list paths need; lazy-loading what only some paths need ' +
    '(diagnostics, backups, compose rendering) would trim the 7 MiB old space.';
  return [
    {
      metric: 'agent RSS, idle',
      ours: `${fmtBytes(idle.settled)} (${(idle.settled / MB).toFixed(1)} MB)`,
      baseline: '—',
      ratio: '—',
      target: '≤ 60 MB (57.2 MiB)',
      met: idle.settled <= 60 * MB,
      method:
        `VmRSS of the daemon, one client logged in, read ${IDLE_SETTLE_MS / 1000} s after it ` +
        `was read 2 s after the first connect (${fmtBytes(idle.afterConnect)} then: the ` +
        'connect’s garbage, before V8’s memory reducer compacts the heap). ' +
        IDLE_COMPOSITION,
      whenMissed,
    },
    {
      metric: `agent RSS, ${instances} instances registered`,
      ours: fmtBytes(loaded),
      baseline: '—',
      ratio: `+${fmtBytes(loaded - idle.settled)}`,
      target: '(no target)',
      met: undefined,
      method: `after the creations, the containers' events, the status refreshes.`,
    },
  ];
}

export async function bundleRow(bundlePath: string): Promise<Row> {
  const size = (await stat(bundlePath)).size;
  return {
    metric: 'agent bundle size',
    ours: fmtBytes(size),
    baseline: '—',
    ratio: '—',
    target: '≤ 2 MB',
    met: size <= 2 * MB,
    whenMissed:
      'the bundle pulls in more than it needs; check `esbuild --metafile` for the largest inputs.',
  };
}
