// 100+ projects on one server (issue 16): creation time and the agent's memory as the registry
// grows to 120 (every creation now also allocates a subnet, checked against the registry, the
// engine's networks and the host's routes), and `instances.list` of 500 projects on one server
// against `ssh` + `docker ps` listing 500 labelled containers.
import type { Instance } from '@protocol/types';
import { BENCH_LABEL, docker } from '../docker';
import { agentCpuMs, agentRssBytes, memoryBreakdown } from './memory';
import { fillTo } from './many-servers';
import { measureStatus } from './status';
import type { BenchContext } from '../setup';
import { fmtBytes, fmtMs, fmtRatio, type Row } from '../report';
import { summarize, timed } from '../stats';

/** The targets are in MB, 10^6 bytes, as DESIGN.md §7 states them (100 MB = 95.4 MiB). */
const MB = 1_000_000;
/** One person may keep 100 dry runs: the rest of the 120 are a second user's. */
const DRY_RUNS_PER_USER = 100;

/**
 * Dry-run creations through the desktop from whatever is registered up to `total`, timed one by
 * one. Past the first user's 100 dry runs a second agent user (a second profile of the same
 * VPS) creates the rest; its profile is removed again so later rows see one server.
 */
export async function measureCreationTo120(
  ctx: BenchContext,
  opts: { total: number; earlyP50Ms: number; rssBeforeBytes: number; registeredBefore: number },
): Promise<Row[]> {
  const { desktop, serverId } = ctx;
  const mine = (await desktop.listProjects(serverId)).length;
  const firstUserMore = Math.max(0, Math.min(opts.total, DRY_RUNS_PER_USER) - mine);
  const times: number[] = [];
  const made: Instance[] = [];
  const cpuBefore = await agentCpuMs(ctx);
  for (let i = 1; i <= firstUserMore; i++) {
    const r = await timed(() =>
      desktop.createProject(serverId, { name: `cap-${i}`, dryRun: true }),
    );
    times.push(r.ms);
    made.push(r.value.project);
  }
  let secondId: string | undefined;
  try {
    const rest = opts.total - mine - firstUserMore;
    if (rest > 0) {
      const password = 'bench-ana-' + Math.random().toString(36).slice(2, 14);
      await desktop.createUser(serverId, { username: 'bench-ana', password, role: 'user' });
      const second = await desktop.addServer({
        name: 'bench-ana',
        host: ctx.host.address,
        auth: 'key',
        keyPath: ctx.host.rootKeyPath,
        agentUsername: 'bench-ana',
        secrets: { agentPassword: password },
      });
      secondId = second.id;
      await desktop.trustHostKey(second.id, ctx.host.hostKeyFingerprint);
      await desktop.connectServer(second.id);
      for (let i = 1; i <= rest; i++) {
        const r = await timed(() =>
          desktop.createProject(second.id, { name: `cap-ana-${i}`, dryRun: true }),
        );
        times.push(r.ms);
        made.push(r.value.project);
      }
    }
  } finally {
    if (secondId) await desktop.removeServer(secondId).catch(() => undefined);
  }
  const registered = (await desktop.listProjects(serverId)).length;
  if (registered < opts.total) throw new Error(`the server lists ${registered}, not ${opts.total}`);
  const subnets = new Set(made.map((p) => p.subnet));
  if (subnets.size !== made.length || subnets.has(undefined)) {
    throw new Error(`${made.length} creations got ${subnets.size} distinct subnets`);
  }
  const cpuMs = (await agentCpuMs(ctx)) - cpuBefore;
  await new Promise((r) => setTimeout(r, 3000)); // the agent's own bookkeeping settles
  const rss = await agentRssBytes(ctx);
  await memoryBreakdown(ctx, 'loaded');

  // The last 20 creations: each one with 100+ projects already registered.
  const late = summarize(times.slice(-20));
  const all = times.reduce((a, b) => a + b, 0);
  return [
    {
      metric: `creation (dry run) at ${opts.total} projects, p50 of the last 20`,
      ours: fmtMs(late.p50),
      baseline: `${fmtMs(opts.earlyP50Ms)} (p50 of the first 20)`,
      ratio: fmtRatio(late.p50 / opts.earlyP50Ms, '× the first'),
      target: '≤ 100 ms',
      met: late.p50 <= 100,
      method:
        `${times.length} sequential dry-run \`instances.create\` calls taking the server from ` +
        `${mine} to ${registered} registered (two agent users: one person may keep 100 dry ` +
        `runs), timed at the client; the row is the median of the last 20 (p90 ` +
        `${fmtMs(late.p90)}), all ${times.length} took ${fmtMs(all)}. Each creation allocates ` +
        'its project subnet (all distinct: checked) against the registry, the engine’s networks ' +
        'and the host’s routes; the baseline is this run’s first 20 creations. The agent ' +
        `spent ${fmtMs(cpuMs / times.length)} of CPU per creation (utime + stime).`,
      whenMissed:
        'the control plane (fsync of the stack files and the state) dominates, as in the ' +
        'creation row; the subnet allocation asks the engine for its networks once per creation.',
    },
    {
      metric: `agent RSS, ${opts.total} projects registered`,
      ours: fmtBytes(rss),
      baseline: `${fmtBytes(opts.rssBeforeBytes)} (${opts.registeredBefore} registered)`,
      ratio: `+${fmtBytes(rss - opts.rssBeforeBytes)}`,
      target: '≤ 100 MB (95.4 MiB)',
      met: rss <= 100 * MB,
      method:
        `VmRSS of the daemon 3 s after the ${opts.total}th creation (every one a real dry run ` +
        'with rendered files and a subnet, none copied into state.json). Measured ' +
        '(BENCH_MEMORY=loaded): the growth is not retained data: after a full GC the V8 heap ' +
        'holds 10.5 MiB (8.2 MiB idle). A log flood before this row (the logs rows run ' +
        'first on the same agent) used to leave 10–20 MiB more: its ~96 KiB messages came from ' +
        'glibc’s heap arena and, freed between live blocks, stayed; the launchers now set ' +
        '`MALLOC_MMAP_THRESHOLD_=65536` so they are mapped and unmapped on their own. Before the ' +
        'launchers fixed glibc’s trim threshold (launch.ts) the agent kept 83–86 MiB here: ' +
        'glibc held the freed top of its heap, and V8 had grown its young generation to 15 MiB ' +
        'under the burst of creations and kept it.',
      whenMissed:
        'what remains above the idle RSS is V8’s heap high-water after the burst (old space ' +
        'committed twice what is used, young generation grown): `--max-semi-space-size=1` ' +
        'takes 5 MiB off but slowed the creations at 120 (p50 43–51 ms against 31 ms), and ' +
        '`=4` took nothing off after a log flood (95.8 MiB, one run); V8’s ' +
        'memory reducer gives the rest back about 8 s after the heap last grew.',
    },
  ];
}

/** Labelled containers (created, not started) for every registered project without one. */
async function oneContainerPerProject(image: string, ids: readonly string[]): Promise<void> {
  const out = await docker([
    'ps',
    '-a',
    '--filter',
    `label=${BENCH_LABEL}=${process.pid}`,
    '--format',
    '{{.Label "com.docker.compose.project"}}',
  ]);
  const have = new Set(out.split('\n').map((l) => l.trim()));
  const missing = ids.filter((id) => !have.has(`ub_${id}`));
  let next = 0;
  const worker = async () => {
    for (;;) {
      const id = missing[next++];
      if (!id) return;
      await docker([
        'create',
        '--network',
        'none',
        '--label',
        `com.docker.compose.project=ub_${id}`,
        '--label',
        'com.docker.compose.service=db',
        '--label',
        'com.docker.compose.oneoff=False',
        '--label',
        `${BENCH_LABEL}=${process.pid}`,
        image,
        'sleep',
        '1800',
      ]);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/**
 * `instances.list` of 500 projects on one server vs `ssh` + `docker ps` of the same 500
 * projects' containers: the registry filled to 500 (copies of a dry run past the per-person cap,
 * as the 500-across-3-servers row does), one labelled container per project so `docker ps` has
 * as much to say as the agent.
 */
export async function measureList500(
  ctx: BenchContext,
  image: string,
  opts: { total: number; rounds: number; newRounds: number },
): Promise<Row[]> {
  if ((await ctx.desktop.listProjects(ctx.serverId)).length < opts.total) {
    await fillTo(ctx, ctx, opts.total);
  }
  const projects = await ctx.desktop.listProjects(ctx.serverId);
  if (projects.length !== opts.total) {
    throw new Error(`the server lists ${projects.length} projects, not ${opts.total}`);
  }
  await oneContainerPerProject(
    image,
    projects.map((p) => p.id),
  );
  await new Promise((r) => setTimeout(r, 3000)); // the agent's event-driven refreshes settle
  const rows = await measureStatus(ctx, {
    instances: opts.total,
    rounds: opts.rounds,
    newRounds: opts.newRounds,
    oursPerRound: 4,
    label: ', one server',
  });
  const first = rows[0];
  if (first) {
    first.method =
      `as the status row of 50, with ${opts.total} projects on one server (registry filled ` +
      'past the per-person dry-run cap by copying a dry run into state.json) and one labelled ' +
      'busybox container per project (most created, not started), so `docker ps -a` lists ' +
      `${opts.total} containers as the agent lists ${opts.total} projects.`;
    first.whenMissed =
      'the answer is JSON for every project, so it grows with the count (see the “RPC alone” ' +
      'row: the agent encodes and the core parses all 500 on every call, then builds a view of ' +
      'each), while one `docker ps` costs about the same for 50 or 500 containers. Closing the ' +
      'gap is the core-side copy kept by events that the 500-across-3-servers row describes.';
  }
  return rows;
}
