// Where the agent round trip and the status-change path spend their time (issue 21): the
// measures of `npm run bench` on their own, with CPU profiles of both ends and the round trip
// split at the core's channel. Not part of `npm run bench`; run it under the rig lock:
//   node scripts/latency-probe.mjs [--pings 2000] [--profile] [--status 20]
// --profile: a V8 CPU profile of the agent (its inspector, opened by SIGUSR1 and reached from
// inside its network namespace) and of this process (the core) during a ping loop, summarised
// by self time.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { profileAgent } from './agent-inspector';
import { ensureBusyboxImage, removeBenchContainers, startContainers } from './docker';
import { loadAverage } from './machine';
import { measureRoundTrip } from './measures/roundtrip';
import { markRunning, measureStatusChange } from './measures/status-change';
import { summarise, withProfile } from './profile';
import { agentPid, setUpOurSide, tearDownOurSide, type BenchContext } from './setup';
import { elapsedMs, now, summarize } from './stats';

const ROOT = resolve(process.cwd());
const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(argv[i + 1]);
};
const flag = (name: string) => argv.includes(`--${name}`);
const log = (m: string) => console.log(`[probe] ${m}`);

/** The round trip split at the core's end of the tunnel channel. */
async function split(ctx: BenchContext, n: number): Promise<void> {
  const session = ctx.desktop.inspect(ctx.serverId).session as unknown as {
    call(m: string, p: object): Promise<unknown>;
    rpc: { channel: Duplex };
  };
  const channel = session.rpc.channel;
  let wroteAt = 0n;
  let dataAt = 0n;
  const write = channel.write.bind(channel) as (...a: unknown[]) => boolean;
  (channel as unknown as { write: (...a: unknown[]) => boolean }).write = (...a) => {
    wroteAt = now();
    return write(...a);
  };
  const onData = () => {
    if (dataAt === 0n) dataAt = now();
  };
  channel.prependListener('data', onData);
  const before: number[] = [];
  const wire: number[] = [];
  const after: number[] = [];
  const total: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      dataAt = 0n;
      const t0 = now();
      await session.call('system.ping', {});
      const t1 = now();
      total.push(Number(t1 - t0) / 1e6);
      before.push(Number(wroteAt - t0) / 1e6);
      wire.push(Number(dataAt - wroteAt) / 1e6);
      after.push(Number(t1 - dataAt) / 1e6);
    }
  } finally {
    channel.off('data', onData);
    delete (channel as unknown as { write?: unknown }).write;
  }
  const f = (xs: number[]) => {
    const s = summarize(xs);
    return `p50 ${s.p50.toFixed(3)} p90 ${s.p90.toFixed(3)} p99 ${s.p99.toFixed(3)} ms`;
  };
  log(`split of ${n} pings (core side):`);
  log(`  call → channel.write      ${f(before)}`);
  log(`  write → first answer byte ${f(wire)}  (sshd, agent, sshd, ssh2 decode)`);
  log(`  answer byte → resolved    ${f(after)}`);
  log(`  total                     ${f(total)}`);
}

/** Attaches to the agent's inspector from inside its network namespace; returns `stop`. */
async function pingLoop(ctx: BenchContext, n: number): Promise<number> {
  const session = ctx.desktop.inspect(ctx.serverId).session;
  if (!session) throw new Error('not connected');
  const t0 = now();
  for (let i = 0; i < n; i++) await session.call('system.ping', {});
  return elapsedMs(t0);
}

/** Pings alone and echoes alone, back to back (not interleaved): what interleaving costs. */
async function alone(ctx: BenchContext, n: number): Promise<void> {
  const session = ctx.desktop.inspect(ctx.serverId).session;
  const link = ctx.desktop.inspect(ctx.serverId).link as unknown as {
    sshClient: import('ssh2').Client;
  };
  if (!session) throw new Error('not connected');
  const ch = await new Promise<import('ssh2').ClientChannel>((res, rej) =>
    link.sshClient.exec('cat', (err, c) => (err ? rej(err) : res(c))),
  );
  const line = Buffer.from(
    JSON.stringify({ jsonrpc: '2.0', id: 123456, method: 'system.ping', params: {} }) + '\n',
  );
  const echo = () =>
    new Promise<void>((res) => {
      let got = 0;
      const on = (b: Buffer) => {
        got += b.length;
        if (got >= line.length) {
          ch.off('data', on);
          res();
        }
      };
      ch.on('data', on);
      ch.write(line);
    });
  const ping: number[] = [];
  const cat: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    await session.call('system.ping', {});
    ping.push(elapsedMs(t0));
  }
  for (let i = 0; i < n; i++) {
    const t0 = now();
    await echo();
    cat.push(elapsedMs(t0));
  }
  ch.end();
  const p = summarize(ping);
  const c = summarize(cat);
  log(
    `alone: ping p50 ${p.p50.toFixed(3)} p99 ${p.p99.toFixed(3)}; echo p50 ${c.p50.toFixed(3)} p99 ${c.p99.toFixed(3)} ms → ${(p.p50 / c.p50).toFixed(2)}×`,
  );
}

type Ch = import('ssh2').ClientChannel;
const LINE = Buffer.from(
  JSON.stringify({ jsonrpc: '2.0', id: 123456, method: 'system.ping', params: {} }) + '\n',
);
function echoOn(ch: Ch): Promise<number> {
  return new Promise((res) => {
    const t0 = now();
    let got = 0;
    const on = (b: Buffer) => {
      got += b.length;
      if (got >= LINE.length) {
        ch.off('data', on);
        res(elapsedMs(t0));
      }
    };
    ch.on('data', on);
    ch.write(LINE);
  });
}

/**
 * The round trip taken apart: the same line echoed by `cat` (exec channel), by a bare Node
 * process (exec channel: stdin → stdout), by a bare Node server on a unix socket reached the
 * way the agent is (direct-streamlocal), and answered by the agent (system.ping). Interleaved.
 */
async function decompose(ctx: BenchContext, n: number): Promise<void> {
  const session = ctx.desktop.inspect(ctx.serverId).session;
  const client = (
    ctx.desktop.inspect(ctx.serverId).link as unknown as { sshClient: import('ssh2').Client }
  ).sshClient;
  if (!session) throw new Error('not connected');
  const exec = (cmd: string) =>
    new Promise<Ch>((res, rej) => client.exec(cmd, (err, c) => (err ? rej(err) : res(c))));
  const node = process.execPath;
  const sock = `/tmp/ub-probe-echo-${process.pid}.sock`;
  const cat = await exec('cat');
  const nodePipe = await exec(
    `${node} -e "process.stdin.on('data', (d) => process.stdout.write(d))"`,
  );
  const server = await exec(
    `${node} -e "require('fs').rmSync('${sock}', {force: true}); require('net').createServer((s) => { s.setNoDelay?.(true); s.on('data', (d) => s.write(d)); }).listen('${sock}', () => console.log('ready'))"`,
  );
  await new Promise<void>((res) =>
    server.on('data', (b: Buffer) => String(b).includes('ready') && res()),
  );
  const nodeUnix = await new Promise<Ch>((res, rej) =>
    client.openssh_forwardOutStreamLocal(sock, (err, c) => (err ? rej(err) : res(c))),
  );
  const kinds = ['cat (exec)', 'node echo (exec)', 'node echo (unix socket)', 'agent ping'];
  const samples: number[][] = kinds.map(() => []);
  const ping = async () => {
    const t0 = now();
    await session.call('system.ping', {});
    return elapsedMs(t0);
  };
  const runs = [() => echoOn(cat), () => echoOn(nodePipe), () => echoOn(nodeUnix), ping];
  for (let i = 0; i < 20; i++) for (const r of runs) await r();
  for (let i = 0; i < n; i++) for (const [k, r] of runs.entries()) samples[k]!.push(await r());
  for (const c of [cat, nodePipe, nodeUnix]) c.end();
  server.signal?.('TERM');
  server.end();
  for (const [k, name] of kinds.entries()) {
    const s = summarize(samples[k]!);
    log(
      `decompose: ${name.padEnd(24)} p50 ${s.p50.toFixed(3)} p90 ${s.p90.toFixed(3)} p99 ${s.p99.toFixed(3)} ms`,
    );
  }
}

async function main(): Promise<void> {
  const workDir = await mkdtemp(join(tmpdir(), `ub-probe-${process.pid}-`));
  let ctx: BenchContext | undefined;
  log(`load ${loadAverage()}`);
  try {
    ctx = await setUpOurSide({ workDir, bundle: join(ROOT, 'dist/agent/agent.cjs'), log });
    await new Promise((r) => setTimeout(r, 2000));
    const pings = option('pings', 300);
    for (let round = 0; round < option('rounds', 2); round++) {
      for (const row of await measureRoundTrip(ctx, pings)) {
        log(
          `${row.metric}: ${row.ours} vs ${row.baseline} → ${row.ratio} (${row.met ? 'met' : 'MISSED'})`,
        );
      }
    }
    await split(ctx, pings);
    if (flag('alone')) await alone(ctx, pings);
    if (flag('decompose')) await decompose(ctx, pings);
    if (flag('strace')) {
      const pid = await agentPid(ctx);
      const out = join(workDir, 'strace.txt');
      const st = spawn('strace', ['-f', '-c', '-o', out, '-p', String(pid)], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 1000));
      const n = 2000;
      await pingLoop(ctx, n);
      st.kill('SIGINT');
      await new Promise((r) => st.once('exit', r));
      console.log(`\nstrace -c of the agent during ${n} pings:\n${await readFile(out, 'utf8')}`);
    }
    if (flag('profile')) {
      const n = option('profile-pings', 3000);
      const stop = await profileAgent(ctx, join(workDir, 'agent.cpuprofile'), ROOT);
      let ms = 0;
      await withProfile(
        `${n} pings`,
        async () => {
          ms = await pingLoop(ctx as BenchContext, n);
        },
        30,
      );
      const agent = await stop();
      log(`${n} pings in ${ms.toFixed(0)} ms (${((ms / n) * 1000).toFixed(0)} µs each)`);
      console.log(`\nCPU profile of the agent during the same ${n} pings (self time):`);
      for (const line of summarise(agent, 30)) console.log(line);
    }
    const statusRounds = option('status', 0);
    if (statusRounds > 0) {
      const image = await ensureBusyboxImage();
      const created = await ctx.desktop.createProject(ctx.serverId, {
        name: 'probe-1',
        dryRun: true,
      });
      const id = created.project.id;
      // As in the full run, where the registry holds ~120 entries by then.
      for (let i = 2; i <= option('instances', 1); i++) {
        await ctx.desktop.createProject(ctx.serverId, { name: `probe-${i}`, dryRun: true });
      }
      const [container] = await startContainers(image, [{ instanceId: id, service: 'db' }]);
      const survivor = await markRunning(ctx, id, container as string, image);
      const stop = flag('profile-status')
        ? await profileAgent(ctx, join(workDir, 'agent-status.cpuprofile'), ROOT)
        : undefined;
      const row = await measureStatusChange(ctx, {
        instanceId: id,
        containerId: survivor,
        rounds: statusRounds,
      });
      if (stop) {
        console.log(
          `\nCPU profile of the agent during ${statusRounds} kills and starts (self time):`,
        );
        for (const line of summarise(await stop(), 40)) console.log(line);
      }
      log(`${row.metric}: ${row.ours} (${row.met ? 'met' : 'MISSED'})`);
      log(row.method ?? '');
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
