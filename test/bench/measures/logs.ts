// Log streaming: lines per second from one container's log to the client. Ours: `logs.follow`
// through the tunnel into the desktop core, which emits `stream.data` events; the consumer
// acknowledges each batch at once (the renderer row measures xterm separately). The usual way:
// `ssh host docker logs -f`, and the floor: `ssh host cat` of a file holding the same bytes. Both
// baselines ride the ControlMaster connection, as ours rides its held connection, so no row pays
// for an SSH handshake.
import type { BenchContext } from '../setup';
import { fmtRate, fmtRatio, type Row } from '../report';
import { median } from '../stats';
import { elapsedMs, now } from '../stats';
import { profiling, withProfile } from '../profile';

/** Which path the agent read the log by, per run (see logs/json-file-follower.ts). */
const sources = new Set<string>();

/** One follow: its total time, when the first batch came, and how many batches there were. */
interface FollowRun {
  ms: number;
  firstMs: number;
  batches: number;
}

function followOurs(
  ctx: BenchContext,
  instanceId: string,
  lines: number,
  timeoutMs: number,
): Promise<FollowRun> {
  const { desktop, serverId } = ctx;
  return new Promise((resolve, reject) => {
    let stream: string | undefined;
    let seen = 0;
    let firstMs = 0;
    let batches = 0;
    let done = false;
    const early: Array<{ stream: string; lines: number; bytes: number }> = [];
    const t0 = now();
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      if (stream) sources.add(desktop.inspect(serverId).session?.logSource(stream) ?? 'unknown');
      const ms = elapsedMs(t0);
      clearTimeout(timer);
      off();
      if (stream) void desktop.closeStream(stream);
      if (err) reject(err);
      else resolve({ ms, firstMs, batches });
    };
    const timer = setTimeout(
      () => finish(new Error(`logs.follow: ${seen} of ${lines} lines in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const take = (s: string, n: number, bytes: number) => {
      if (batches++ === 0) firstMs = elapsedMs(t0);
      seen += n;
      void desktop.ackStream(s, bytes);
      if (seen >= lines) finish();
    };
    const off = desktop.onEvent((e) => {
      if (e.type === 'stream.data') {
        // Data can arrive before followLogs resolves with the stream id.
        if (stream === undefined)
          early.push({ stream: e.stream, lines: e.lines.length, bytes: e.bytes });
        else if (e.stream === stream) take(e.stream, e.lines.length, e.bytes);
      } else if (e.type === 'stream.end' && e.stream === stream) {
        finish(new Error(`log stream ended after ${seen} lines: ${e.error?.message ?? ''}`));
      }
    });
    desktop
      .followLogs(serverId, instanceId, { tail: lines })
      .then(({ stream: s }) => {
        stream = s;
        for (const x of early.splice(0)) if (x.stream === s) take(s, x.lines, x.bytes);
      })
      .catch((err: Error) => finish(err));
  });
}

export async function measureLogs(
  ctx: BenchContext,
  opts: {
    instanceId: string;
    containerId: string;
    file: string;
    lines: number;
    runs: number;
    label?: string;
  },
): Promise<Row[]> {
  const ours: number[] = [];
  const firstBatch: number[] = [];
  let batches = 0;
  const dockerLogs: number[] = [];
  const cat: number[] = [];
  const timeoutMs = 180_000;
  for (let r = 0; r < opts.runs; r++) {
    const follow = () => followOurs(ctx, opts.instanceId, opts.lines, timeoutMs);
    const run = await (r === 0 && profiling('logs')
      ? withProfile('the log stream', follow)
      : follow());
    ours.push(run.ms);
    firstBatch.push(run.firstMs);
    batches = run.batches;
    const d = await ctx.ssh.countLines(
      ['docker', 'logs', '-f', '--tail', String(opts.lines), opts.containerId],
      opts.lines,
      { mux: true, timeoutMs },
    );
    dockerLogs.push(d.ms);
    const c = await ctx.ssh.countLines(['cat', opts.file], opts.lines, {
      mux: true,
      timeoutMs,
    });
    cat.push(c.ms);
  }
  const rate = (ms: number) => opts.lines / (ms / 1000);
  const o = rate(median(ours));
  const d = rate(median(dockerLogs));
  const c = rate(median(cat));
  const source = [...sources].join(', ') || 'unknown';
  const first = median(firstBatch);
  // After the first batch: the stream's own rate, without the follow's setup.
  const steady = (opts.lines / Math.max(1, median(ours) - first)) * 1000;
  const timeline =
    ` The first batch came after ${first.toFixed(0)} ms (median: the logs.follow call, docker ` +
    `inspect, the agent’s backward scan for the tail), then ${fmtRate(steady, 'lines/s')} in ` +
    `${batches} messages.`;
  const whenMissed =
    source === 'file'
      ? 'CPU on a 2-core machine shared by three processes (agent, sshd, core) where `cat` has ' +
        'one C process and sshd. Measured with scripts/log-probe.mjs (CPU of each process per ' +
        'follow of these 100,000 lines, V8 profiles of both ends; load 3–10, so wide ranges): ' +
        'the agent now spends 30–100 ms (it was 130–250 ms: 60 ms went to a byte-by-byte ' +
        'backward tail scan, now a native lastIndexOf, the rest to a buffer per record and per ' +
        'read), sshd 10–50 ms, and the core 70–150 ms: JSON.parse of each ~96 KiB message ' +
        '(the largest share), ssh2’s AES-GCM decryption through Node’s crypto (a Decipheriv per ' +
        '32 KiB packet: the bundled core does not load ssh2’s native binding, whose path is ' +
        'relative to ssh2’s own folder) and the kernel’s receive work charged to its socket ' +
        'calls. Acks are one per event-loop turn (~40 per 100,000 lines instead of 178). The ' +
        'ratio moves with the load: `cat` took 28–146 ms in the same runs. Closing: a ' +
        '`stream.data` fast path in the RPC client that cuts records out of the message ' +
        'without a generic parse, ssh2’s crypto binding shipped next to the bundles, or the ' +
        'SSH transport in a worker so decryption and parsing use the second core.'
      : 'the agent could not read the container’s log file here (source: ' +
        source +
        '), so it fell back to the Engine API, which dockerd caps at `docker logs -f` speed.';
  const label = opts.label ?? '';
  return [
    {
      metric: `log streaming to the client vs raw ssh cat${label}`,
      ours: fmtRate(o, 'lines/s'),
      baseline: `${fmtRate(c, 'lines/s')} (ssh cat)`,
      ratio: fmtRatio((o / c) * 100, '% of raw'),
      target: '≥ 50% of raw',
      met: o / c >= 0.5,
      method:
        `median of ${opts.runs} runs of ${opts.lines.toLocaleString('en')} lines (~100 bytes ` +
        'each) from one busybox container’s json-file log, counted at the client; `cat` reads ' +
        'a file holding exactly the bytes the container printed. The agent read the log from: ' +
        `${source === 'file' ? 'its json-file on disk' : source === 'engine' ? 'the Engine API (fallback)' : source}.` +
        timeline,
      whenMissed,
    },
    {
      metric: `log streaming to the client vs ssh docker logs -f${label}`,
      ours: fmtRate(o, 'lines/s'),
      baseline: `${fmtRate(d, 'lines/s')} (ssh docker logs -f)`,
      ratio: fmtRatio((o / d) * 100, '%'),
      target: '≥ 50% (proposed)',
      met: o / d >= 0.5,
      method:
        'DESIGN.md compares with raw `cat`, which no reader of Docker’s log API can approach ' +
        '(see Findings); the usual way reads the same log through the same API, so we propose ' +
        'this row’s target in its place.',
      whenMissed:
        'the agent adds per-line work to what dockerd already does (demultiplexing, timestamp ' +
        'parsing, JSON encoding, flow-control acks).',
    },
  ];
}
