// Connect with the agent already installed: from a saved profile to the first answer (the
// project list), against `ssh host true` on a new connection. Ours includes everything a
// reconnect does: SSH handshake and key check, the install probe, the tunnel, session.hello,
// auth.login (scrypt on the agent), the event subscription and instances.list.
import type { BenchContext } from '../setup';
import { fmtMs, fmtRatio, type Row } from '../report';
import { median, timed } from '../stats';

export async function measureConnect(ctx: BenchContext, rounds: number): Promise<Row> {
  const { desktop, serverId, ssh } = ctx;
  const ours: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await desktop.disconnectServer(serverId);
    const o = await timed(async () => {
      await desktop.connectServer(serverId);
      return desktop.listProjects(serverId);
    });
    ours.push(o.ms);
    const b = await ssh.run(['true'], { mux: false });
    if (b.code !== 0) throw new Error(`ssh host true failed: ${b.stderr}`);
    base.push(b.ms);
  }
  const o = median(ours);
  const b = median(base);
  return {
    metric: 'connect, agent installed → first answer',
    ours: fmtMs(o),
    baseline: `${fmtMs(b)} (ssh host true)`,
    ratio: fmtRatio(o / b, '× ssh'),
    target: '≤ 1.5× ssh',
    met: o / b <= 1.5,
    method: `median of ${rounds} rounds; ours = connectServer + listProjects on a new SSH connection.`,
    whenMissed:
      'a reconnect is several sequential exchanges more than `ssh host true`: the install ' +
      'probe (an exec channel running a shell script), the tunnel open, `session.hello`, ' +
      '`auth.login` (scrypt on the agent), `events.subscribe` and the list; with Nagle on (see ' +
      'Findings) each can also wait ~40 ms for a delayed ACK. Closing the gap: TCP_NODELAY, ' +
      'skip the probe when the pinned agent version answered `session.hello` last time (probe ' +
      'only when hello fails), `auth.resume` with the stored token instead of a scrypt login, ' +
      'and hello + resume + events.subscribe written at once instead of one after the other.',
  };
}
