// Where a log flood spends its time (issue 21, target 1): the bench's log row on its own, with a
// timeline of each follow (followLogs answered, first batch, steady rate), the CPU each process
// spent (core, agent, sshd), and optionally V8 CPU profiles of both ends. Not part of
// `npm run bench`; run it under the rig lock:
//   flock /tmp/ultrabase-rig.lock node scripts/log-probe.mjs [--runs 3] [--lines 100000] [--profile]
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import {
  ensureBusyboxImage,
  logFileText,
  removeBenchContainers,
  startContainers,
  waitForLogLines,
} from './docker';
import { loadAverage } from './machine';
import { profileAgent } from './agent-inspector';
import { saveProfile, summarise, withProfile } from './profile';
import { agentPid, setUpOurSide, tearDownOurSide, type BenchContext } from './setup';
import { elapsedMs, median, now } from './stats';

const ROOT = resolve(process.cwd());
const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(argv[i + 1]);
};
const flag = (name: string) => argv.includes(`--${name}`);
const log = (m: string) => console.log(`[logs] ${m}`);
const TICK_MS = 1000 / 100; // USER_HZ

/** CPU ms (user + system) of a pid from /proc, 0 once it is gone. */
function cpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** The sshd processes in the agent's network namespace (the rig VPS's sshd and its sessions). */
function sshdPids(agent: number): number[] {
  const ns = readlinkSync(`/proc/${agent}/ns/net`);
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (!readFileSync(`/proc/${d}/comm`, 'utf8').startsWith('sshd')) continue;
      if (readlinkSync(`/proc/${d}/ns/net`) === ns) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

interface Timeline {
  ms: number;
  answeredMs: number;
  firstMs: number;
  batches: number;
  bytes: number;
  coreCpuMs: number;
  agentCpuMs: number;
  sshdCpuMs: number;
  /** Writes on the core's agent channel during the follow: acks (and the followLogs call). */
  writes: number;
}

async function follow(ctx: BenchContext, instanceId: string, lines: number): Promise<Timeline> {
  const { desktop, serverId } = ctx;
  const agent = await agentPid(ctx);
  const sshd = sshdPids(agent);
  const channel = (
    desktop.inspect(serverId).session as unknown as { rpc: { channel: Duplex } } | undefined
  )?.rpc.channel;
  let writes = 0;
  const write = channel?.write.bind(channel) as ((...a: unknown[]) => boolean) | undefined;
  if (channel && write) {
    (channel as unknown as { write: (...a: unknown[]) => boolean }).write = (...a) => {
      writes += 1;
      return write(...a);
    };
  }
  const cpu0 = process.cpuUsage();
  const agent0 = cpuMs(agent);
  const sshd0 = sshd.reduce((n, p) => n + cpuMs(p), 0);
  const t0 = now();
  let answeredMs = 0;
  let firstMs = 0;
  let batches = 0;
  let bytes = 0;
  let seen = 0;
  let stream: string | undefined;
  const early: Array<{ s: string; n: number; b: number }> = [];
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${seen} of ${lines} lines`)), 120_000);
    const take = (s: string, n: number, b: number) => {
      if (firstMs === 0) firstMs = elapsedMs(t0);
      batches += 1;
      bytes += b;
      seen += n;
      void desktop.ackStream(s, b);
      if (seen >= lines) {
        clearTimeout(timer);
        off();
        done();
      }
    };
    const off = desktop.onEvent((e) => {
      if (e.type !== 'stream.data') return;
      if (stream === undefined) early.push({ s: e.stream, n: e.lines.length, b: e.bytes });
      else if (e.stream === stream) take(e.stream, e.lines.length, e.bytes);
    });
    desktop
      .followLogs(serverId, instanceId, { tail: lines })
      .then(({ stream: s }) => {
        answeredMs = elapsedMs(t0);
        stream = s;
        for (const x of early.splice(0)) if (x.s === s) take(s, x.n, x.b);
      })
      .catch(fail);
  });
  const ms = elapsedMs(t0);
  const c = process.cpuUsage(cpu0);
  const t: Timeline = {
    ms,
    answeredMs,
    firstMs,
    batches,
    bytes,
    coreCpuMs: (c.user + c.system) / 1000,
    agentCpuMs: cpuMs(agent) - agent0,
    sshdCpuMs: sshd.reduce((n, p) => n + cpuMs(p), 0) - sshd0,
    writes,
  };
  if (channel) delete (channel as unknown as { write?: unknown }).write;
  if (stream) await desktop.closeStream(stream);
  return t;
}

async function main(): Promise<void> {
  const workDir = await mkdtemp(join(tmpdir(), `ub-logprobe-${process.pid}-`));
  const lines = option('lines', 100_000);
  const runs = option('runs', 3);
  let ctx: BenchContext | undefined;
  log(`load ${loadAverage()}`);
  try {
    const image = await ensureBusyboxImage();
    ctx = await setUpOurSide({ workDir, bundle: join(ROOT, 'dist/agent/agent.cjs'), log });
    const created = await ctx.desktop.createProject(ctx.serverId, { name: 'logs-1', dryRun: true });
    const id = created.project.id;
    const logFile = join(workDir, 'log.txt');
    await writeFile(logFile, logFileText(lines), { mode: 0o644 });
    const [container] = await startContainers(image, [
      {
        instanceId: id,
        service: 'db',
        command: ['sh', '-c', 'cat /data.txt; exec sleep 1800'],
        mount: [logFile, '/data.txt'],
      },
    ]);
    await waitForLogLines(container as string, lines);
    const logPath = execFileSync('docker', ['inspect', '-f', '{{.LogPath}}', container as string])
      .toString()
      .trim();
    log(`container log: ${readFileSync(logPath).length} bytes; raw text ${lines} lines`);
    await new Promise((r) => setTimeout(r, 2000));
    const ours: number[] = [];
    const cat: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t = await follow(ctx, id, lines);
      ours.push(t.ms);
      const c = await ctx.ssh.countLines(['cat', logFile], lines, { mux: true, timeoutMs: 60_000 });
      cat.push(c.ms);
      const steady =
        t.ms > t.firstMs ? ((lines * (1 - 1 / t.batches)) / (t.ms - t.firstMs)) * 1000 : 0;
      log(
        `run ${r + 1}: ours ${t.ms.toFixed(0)} ms (${Math.round((lines / t.ms) * 1000)} lines/s; ` +
          `followLogs answered ${t.answeredMs.toFixed(0)} ms, first batch ${t.firstMs.toFixed(0)} ms, ` +
          `then ${Math.round(steady)} lines/s; ${t.batches} batches, ${t.writes} writes, ${(t.bytes / 1e6).toFixed(1)} MB acked) ` +
          `cpu core ${t.coreCpuMs.toFixed(0)} agent ${t.agentCpuMs.toFixed(0)} sshd ${t.sshdCpuMs.toFixed(0)} ms | ` +
          `cat ${c.ms.toFixed(0)} ms (${Math.round((lines / c.ms) * 1000)} lines/s) | ` +
          `ratio ${((c.ms / t.ms) * 100).toFixed(0)}% | load ${loadAverage()}`,
      );
    }
    log(
      `median: ours ${Math.round((lines / median(ours)) * 1000)} lines/s, cat ${Math.round(
        (lines / median(cat)) * 1000,
      )} lines/s, ratio ${((median(cat) / median(ours)) * 100).toFixed(0)}%`,
    );
    if (flag('profile')) {
      const stop = await profileAgent(ctx, join(workDir, 'agent.cpuprofile'), ROOT);
      const t = await withProfile('one follow', () => follow(ctx as BenchContext, id, lines), 30);
      const agent = await stop();
      saveProfile('agent-follow', agent);
      log(`profiled run: ${t.ms.toFixed(0)} ms, first batch ${t.firstMs.toFixed(0)} ms`);
      console.log('\nCPU profile of the agent during the same follow (self time):');
      for (const line of summarise(agent, 30)) console.log(line);
    }
  } finally {
    log(`load ${loadAverage()}`);
    await removeBenchContainers(true).catch(() => 0);
    await tearDownOurSide(ctx);
    await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
