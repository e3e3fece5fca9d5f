// Refreshing the status of 50 instances. Ours: `instances.list` through the held tunnel (what
// the projects grid calls), answered from the agent's registry, which Docker events keep
// current. The usual way: `docker ps` filtered by compose project label, through `ssh`, either
// multiplexed over a ControlMaster connection or on a new connection per refresh.
import type { BenchContext } from '../setup';
import { BENCH_LABEL } from '../docker';
import { fmtMs, fmtRatio, type Row } from '../report';
import { median, timed } from '../stats';

const PS_FORMAT =
  '{{.Label "com.docker.compose.project"}}\t{{.Label "com.docker.compose.service"}}\t{{.State}}\t{{.Status}}';

export const DOCKER_PS = [
  'docker',
  'ps',
  '-a',
  '--filter',
  'label=com.docker.compose.project',
  // Only this run's containers: the engine is the machine's, shared with other test runs.
  '--filter',
  `label=${BENCH_LABEL}=${process.pid}`,
  '--format',
  PS_FORMAT,
];

export async function measureStatus(
  ctx: BenchContext,
  opts: {
    instances: number;
    rounds: number;
    newRounds: number;
    oursPerRound: number;
    label?: string;
  },
): Promise<Row[]> {
  const { desktop, serverId, ssh } = ctx;
  const session = desktop.inspect(serverId).session;
  if (!session) throw new Error('not connected');
  const ours: number[] = [];
  const rpcOnly: number[] = [];
  let answerBytes = 0;
  const mux: number[] = [];
  const fresh: number[] = [];
  const check = (stdout: string, how: string) => {
    const n = stdout.split('\n').filter((l) => l.startsWith('ub_')).length;
    if (n !== opts.instances) throw new Error(`${how} docker ps saw ${n} ub_ containers`);
  };
  for (let r = 0; r < opts.rounds; r++) {
    for (let k = 0; k < opts.oursPerRound; k++) {
      const o = await timed(() => desktop.listProjects(serverId));
      if (o.value.length < opts.instances) {
        throw new Error(`instances.list returned ${o.value.length} projects`);
      }
      ours.push(o.ms);
      const r = await timed(() => session.call('instances.list', {}));
      answerBytes = JSON.stringify(r.value).length;
      rpcOnly.push(r.ms);
    }
    const m = await ssh.run(DOCKER_PS, { mux: true });
    if (m.code !== 0) throw new Error(`multiplexed docker ps failed: ${m.stderr}`);
    check(m.stdout, 'multiplexed');
    mux.push(m.ms);
    if (r < opts.newRounds) {
      const f = await ssh.run(DOCKER_PS, { mux: false });
      if (f.code !== 0) throw new Error(`docker ps over a new ssh failed: ${f.stderr}`);
      check(f.stdout, 'new-connection');
      fresh.push(f.ms);
    }
  }
  const o = median(ours);
  const rpc = median(rpcOnly);
  const m = median(mux);
  const f = median(fresh);
  const whenMissed =
    'our side is one JSON-RPC round trip answered from memory; compare the “RPC alone” row for ' +
    'what the core adds around it (event bookkeeping and mapping to ProjectView). The two big ' +
    'costs found by the first run (Nagle on the SSH socket, a settings.json read per instance) ' +
    'are fixed.';
  const label = opts.label ?? '';
  const rows: Row[] = [
    {
      metric: `status of ${opts.instances} instances vs ssh multiplexed${label}`,
      ours: fmtMs(o),
      baseline: `${fmtMs(m)} (ssh -o ControlPath + docker ps)`,
      ratio: fmtRatio(m / o, '× faster'),
      target: '≥ 20× faster',
      met: m / o >= 20,
      method:
        `median of ${ours.length} \`listProjects\` calls (answered from the core’s copy of the ` +
        'list, kept by the agent’s events; the next row is the `instances.list` RPC itself) vs ' +
        `${mux.length} ` +
        'multiplexed `ssh host docker ps -a --filter label=com.docker.compose.project …`, ' +
        `interleaved. The ${opts.instances} instances are dry-run registry entries, each with ` +
        'one light busybox container labelled as its compose project `ub_<id>` (service ' +
        '`db`); the agent saw their start events. A full Supabase stack per instance (12 ' +
        'containers) would only make `docker ps` slower.',
      whenMissed,
    },
  ];
  rows.push({
    metric: `status of ${opts.instances} instances, instances.list RPC alone${label}`,
    ours: fmtMs(rpc),
    baseline: `${fmtMs(m)} (ssh multiplexed)`,
    ratio: fmtRatio(m / rpc, '× faster'),
    target: '(no target)',
    met: undefined,
    method: label
      ? undefined
      : `the same call without the core's DesktopApi layer (session.call), answer ${(answerBytes / 1024).toFixed(0)} KiB of JSON.`,
  });
  if (fresh.length === 0) return rows;
  return [
    ...rows,
    {
      metric: `status of ${opts.instances} instances vs new ssh each time${label}`,
      ours: fmtMs(o),
      baseline: `${fmtMs(f)} (ssh + docker ps)`,
      ratio: fmtRatio(f / o, '× faster'),
      target: '(no target)',
      met: undefined,
      method: `median of ${fresh.length} new-connection \`ssh host docker ps …\` runs.`,
    },
  ];
}
