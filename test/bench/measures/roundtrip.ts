// The agent round trip through our tunnel (`system.ping`: ssh2 channel → sshd → unix socket →
// agent → back, through the core's JSON-RPC client) against the floor: a bare ssh2 exec channel
// running `cat` on the same SSH connection, echoing a line of the same size.
import type { ClientChannel } from 'ssh2';
import type { BenchContext } from '../setup';
import { fmtMs, fmtRatio, type Row } from '../report';
import { elapsedMs, now, summarize } from '../stats';
import type { SshLink } from '../../../electron/src/core/servers/ssh-link';

/** Roughly what the client writes for one `system.ping` call. */
const PING_SIZED_LINE = Buffer.from(
  JSON.stringify({ jsonrpc: '2.0', id: 123456, method: 'system.ping', params: {} }) + '\n',
);

function openCat(link: SshLink): Promise<ClientChannel> {
  const client = link.sshClient;
  if (!client) throw new Error('no live ssh2 client');
  return new Promise((resolve, reject) =>
    client.exec('cat', (err, ch) => (err ? reject(err) : resolve(ch))),
  );
}

function echoOnce(ch: ClientChannel): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    let got = 0;
    const timer = setTimeout(() => reject(new Error('echo timed out')), 10_000);
    const onData = (b: Buffer) => {
      got += b.length;
      if (got >= PING_SIZED_LINE.length) {
        clearTimeout(timer);
        ch.off('data', onData);
        resolve(elapsedMs(t0));
      }
    };
    ch.on('data', onData);
    ch.write(PING_SIZED_LINE);
  });
}

export async function measureRoundTrip(ctx: BenchContext, n: number, label = ''): Promise<Row[]> {
  const { session, link } = ctx.desktop.inspect(ctx.serverId);
  if (!session || !link) throw new Error('not connected');
  const ch = await openCat(link as SshLink);
  const ours: number[] = [];
  const floor: number[] = [];
  try {
    // Warm both paths (JIT, socket buffers) before sampling.
    for (let i = 0; i < 20; i++) {
      await session.call('system.ping', {});
      await echoOnce(ch);
    }
    for (let i = 0; i < n; i++) {
      const t0 = now();
      await session.call('system.ping', {});
      ours.push(elapsedMs(t0));
      floor.push(await echoOnce(ch));
    }
  } finally {
    ch.end();
  }
  const o = summarize(ours);
  const f = summarize(floor);
  const why =
    'the floor is sshd relaying to a `cat` pipe; ours adds the agent: a unix-socket hop, JSON ' +
    'parse + zod validation + dispatch + JSON encode on the agent, and the same on the client. ' +
    'On an idle machine that is well under a millisecond, but here each of the two extra ' +
    'processes waits for a core that many runnable tasks compete for, and every hop pays that ' +
    'scheduling delay. Closing the gap: fewer wake-ups per call (the agent answering from the ' +
    'socket read callback without extra ticks, the client writing without a setImmediate), or ' +
    'a less loaded machine; the protocol work itself is small next to the hops.';
  return [
    {
      metric: `agent round trip p50 (system.ping)${label}`,
      ours: fmtMs(o.p50),
      baseline: `${fmtMs(f.p50)} (ssh2 cat echo)`,
      ratio: fmtRatio(o.p50 / f.p50, '× floor'),
      target: '≤ 1.5× floor',
      met: o.p50 / f.p50 <= 1.5,
      method: `${n} sequential calls each, interleaved, on one SSH connection, after 20 warm-up rounds.`,
      whenMissed: why,
    },
    {
      metric: `agent round trip p99 (system.ping)${label}`,
      ours: fmtMs(o.p99),
      baseline: `${fmtMs(f.p99)} (ssh2 cat echo)`,
      ratio: fmtRatio(o.p99 / f.p99, '× floor'),
      target: '≤ 2× floor',
      met: o.p99 / f.p99 <= 2,
      whenMissed: why,
    },
  ];
}
