// The agent's resident memory (VmRSS of the daemon's pid, read from /proc: the rig host shares
// the machine's pid namespace), and the size of the bundle the desktop uploads.
import { readFile, stat } from 'node:fs/promises';
import { agentPid, type BenchContext } from '../setup';
import { fmtBytes, type Row } from '../report';

const MB = 1024 * 1024;

export async function agentRssBytes(ctx: BenchContext): Promise<number> {
  const status = await readFile(`/proc/${await agentPid(ctx)}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) * 1024;
}

export function rssRows(idle: number, loaded: number, instances: number): Row[] {
  const whenMissed =
    'Node’s own baseline (V8 heap, code, libuv) is about 40 MB before any agent code runs; the ' +
    'rest is the bundle’s modules and the registry. Closing the gap: start the daemon with ' +
    '`--max-semi-space-size=1` and lazy-load the diagnostics and compose modules.';
  return [
    {
      metric: 'agent RSS, idle',
      ours: fmtBytes(idle),
      baseline: '—',
      ratio: '—',
      target: '≤ 60 MB',
      met: idle <= 60 * MB,
      method: 'VmRSS of the daemon a few seconds after the first connect, one client logged in.',
      whenMissed,
    },
    {
      metric: `agent RSS, ${instances} instances registered`,
      ours: fmtBytes(loaded),
      baseline: '—',
      ratio: `+${fmtBytes(loaded - idle)}`,
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
