// First cards when several servers connect at once (issue 21, target 3): from a saved profile
// to every server's project list, for 1 and for 5 servers connected together, against the same
// number of `ssh host true` on new connections, also in parallel. The 5 "servers" are 5
// profiles of the one rig VPS (each its own SSH connection and agent session), since the rig
// runs one agent per Docker engine; the agent answers them side by side.
import type { BenchContext } from '../setup';
import { fmtMs, fmtRatio, type Row } from '../report';
import { median, timed } from '../stats';

export async function addProfilesOfSameHost(ctx: BenchContext, n: number): Promise<string[]> {
  const ids = [ctx.serverId];
  for (let i = 1; i < n; i++) {
    const server = await ctx.desktop.addServer({
      name: `bench-${i + 1}`,
      host: ctx.host.address,
      auth: 'key',
      keyPath: ctx.host.rootKeyPath,
      secrets: { agentPassword: ctx.agentPassword },
    });
    await ctx.desktop.trustHostKey(server.id, ctx.host.hostKeyFingerprint);
    // The first connect of a profile probes and logs in; the measure is of reconnects.
    await ctx.desktop.connectServer(server.id);
    ids.push(server.id);
  }
  return ids;
}

export async function measureConnectMany(
  ctx: BenchContext,
  serverIds: readonly string[],
  rounds: number,
): Promise<Row> {
  const { desktop, ssh } = ctx;
  const n = serverIds.length;
  const ours: number[] = [];
  const base: number[] = [];
  for (let r = 0; r < rounds; r++) {
    await Promise.all(serverIds.map((id) => desktop.disconnectServer(id)));
    const o = await timed(() =>
      Promise.all(
        serverIds.map(async (id) => {
          await desktop.connectServer(id);
          return desktop.listProjects(id);
        }),
      ),
    );
    ours.push(o.ms);
    const b = await timed(() =>
      Promise.all(Array.from({ length: n }, () => ssh.run(['true'], { mux: false }))),
    );
    if (b.value.some((x) => x.code !== 0)) throw new Error('ssh host true failed');
    base.push(b.ms);
  }
  const o = median(ours);
  const b = median(base);
  return {
    metric: `connect ${n} servers at once → every first card`,
    ours: fmtMs(o),
    baseline: `${fmtMs(b)} (${n}× ssh host true, parallel)`,
    ratio: fmtRatio(o / b, '× ssh'),
    target: '≤ 1.0× ssh',
    met: o / b <= 1.0,
    method:
      `median of ${rounds} rounds: ${n} saved profiles (of the one rig VPS, each its own SSH ` +
      'connection and agent session) connected in parallel, until every one has its project ' +
      `list; against ${n} new-connection \`ssh host true\` in parallel.`,
    whenMissed:
      'see the single-server connect row: the SSH handshake in ssh2 (JavaScript) and the ' +
      'agent’s answers share the one core process and, on the rig, the same 2 CPUs as sshd.',
  };
}
