// A dockerd restart (what a package upgrade does) under a running agent, on a DEDICATED engine:
// its own socket, data root, exec root, pid file and network namespace, no iptables rules, an
// address pool of its own, so the rig's main engine and every other test are untouched. Five
// busybox projects run through the whole agent (wire, registry, lifecycle, recovery); dockerd
// is stopped and started again; the agent, never restarted, must reconnect, show every project
// running within 60 s, and not fight Docker's own restarts.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentEvent, Instance, RecoveryProgress } from '@protocol/types';
import { DEFAULT_CONFIG } from '../../remote-agent/src/config/schema';
import {
  createCompose,
  detectCompose,
  type CommandRunner,
} from '../../remote-agent/src/docker/compose';
import { createDockerEngine } from '../../remote-agent/src/docker/engine';
import { createDockerHost, type DockerHost } from '../../remote-agent/src/docker/host';
import { createTransport } from '../../remote-agent/src/docker/transport';
import { createLogger } from '../../remote-agent/src/log/logger';
import { createAgent, type Agent } from '../../remote-agent/src/server';
import { RpcClient } from './agent-harness';
import { busyboxImage } from '../rig/busybox';

const COUNT = 5;
const PASSWORD = 'correct horse battery';

let root: string;
let socket: string;
let engineProc: ChildProcess | undefined;
let dataDir: string;
let host: DockerHost;
let agent: Agent;
/** The agent on the same data directory and engine: again after a simulated reboot. */
let startAgent: () => Promise<Agent>;
const instances: Instance[] = [];
/** Whether the host had the main engine's default bridge when this file started. */
let docker0Before = false;

function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 120_000,
): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { timeout: timeoutMs, env }, (err, stdout, stderr) =>
      err
        ? reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`))
        : resolve(stdout),
    ),
  );
}

/** The docker CLI against the dedicated engine. */
const dedicated = (args: string[]) => run('docker', ['-H', `unix://${socket}`, ...args]);

/** `docker save | docker -H dedicated load`, without a shell. */
function copyImage(tag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const save = spawn('docker', ['save', tag], { stdio: ['ignore', 'pipe', 'inherit'] });
    const load = spawn('docker', ['-H', `unix://${socket}`, 'load', '--quiet'], {
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    save.stdout.pipe(load.stdin);
    save.once('error', reject);
    load.once('error', reject);
    load.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`load: ${code}`))));
  });
}

/**
 * The dedicated engine runs in a network namespace of its own (`unshare --net`, which keeps the
 * host's /sys and cgroups, unlike `ip netns exec`). On the host's namespace, a second dockerd
 * started again on its data root deletes the stale default network, and with it the host's
 * `docker0`: every later `docker run` on the rig's main engine then fails with "could not find
 * bridge docker0" (seen in a full run). Its own namespace gives it a `docker0` of its own.
 */
async function startEngine(): Promise<void> {
  engineProc = spawn(
    'unshare',
    [
      '--net',
      'sh',
      '-c',
      'ip link set lo up && exec dockerd "$@"',
      'sh',
      '--host',
      `unix://${socket}`,
      '--data-root',
      path.join(root, 'data'),
      '--exec-root',
      path.join(root, 'exec'),
      '--pidfile',
      path.join(root, 'docker.pid'),
      '--iptables=false',
      '--ip-masq=false',
      '--default-address-pool',
      'base=10.232.0.0/16,size=24',
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (
      await dedicated(['version', '--format', '{{.Server.Version}}']).then(
        () => true,
        () => false,
      )
    )
      return;
    if (Date.now() > deadline) throw new Error('the dedicated dockerd did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** SIGTERM, as `systemctl restart docker` does: dockerd stops its containers and exits. */
async function stopEngine(): Promise<void> {
  const proc = engineProc;
  if (!proc || proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 40_000))]);
  if (proc.exitCode === null) {
    proc.kill('SIGKILL');
    await exited;
  }
}

function connect(): RpcClient {
  const toAgent = new PassThrough();
  const fromAgent = new PassThrough();
  agent.connect(toAgent, fromAgent);
  return new RpcClient(fromAgent, toAgent);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** id → StartedAt of every running container of a project, on the dedicated engine. */
async function running(project: string): Promise<Map<string, string>> {
  const ids = (
    await dedicated([
      'ps',
      '-q',
      '--no-trunc',
      '--filter',
      `label=com.docker.compose.project=${project}`,
    ])
  )
    .split('\n')
    .filter(Boolean);
  if (ids.length === 0) return new Map();
  const lines = (await dedicated(['inspect', '-f', '{{.Id}} {{.State.StartedAt}}', ...ids]))
    .split('\n')
    .filter(Boolean);
  return new Map(lines.map((l) => l.split(' ') as [string, string]));
}

const stackYaml = (image: string) => `services:
  db:
    image: ${image}
    init: true
    restart: unless-stopped
    command: ["sh", "-c", "mkdir -p /tmp; touch /tmp/ready; exec sleep 86400"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      timeout: 2s
      retries: 3
  rest:
    image: ${image}
    init: true
    restart: unless-stopped
    command: ["sh", "-c", "exec sleep 86400"]
`;

/** A compose CLI whose every run talks to the dedicated engine. */
const dedicatedRunner: CommandRunner = (file, args, { timeoutMs, cwd }) =>
  new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, cwd, env: { ...process.env, DOCKER_HOST: `unix://${socket}` } },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean }) | null;
        const code = !e ? 0 : typeof e.code === 'number' ? e.code : 1;
        resolve({ code, stdout, stderr, timedOut: Boolean(e?.killed) });
      },
    );
  });

beforeAll(async () => {
  docker0Before = await run('ip', ['link', 'show', 'docker0']).then(
    () => true,
    () => false,
  );
  root = await mkdtemp(path.join(tmpdir(), 'ubt-engine-'));
  socket = path.join(root, 'docker.sock');
  const image = await busyboxImage();
  await startEngine();
  await copyImage(image);

  dataDir = await mkdtemp(path.join(tmpdir(), 'ubt-engine-agent-'));
  host = createDockerHost({
    dataDir,
    engine: createDockerEngine(createTransport(socket)),
    compose: createCompose(await detectCompose(), dedicatedRunner),
  });
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  startAgent = () =>
    createAgent({
      dataDir,
      config: {
        ...DEFAULT_CONFIG,
        creationConcurrency: COUNT,
        portRanges: {
          kongHttp: [base, base + 99],
          kongHttps: [base + 100, base + 199],
          postgres: [base + 200, base + 299],
          poolerTransaction: [base + 300, base + 399],
        },
        resources: { minFreeMemoryMb: 1, minFreeDiskMb: 1, maxLoadPerCore: 1_000 },
        capacity: { memoryOvercommit: 100 },
        // Docker's own restarts get 3 s here (30 s by default) before the agent starts the rest.
        recovery: { settleMs: 3_000, concurrency: 2 },
      },
      docker: host,
      detectExternalHost: () => '127.0.0.1',
      stackWriter: {
        write: (dir) => writeFile(path.join(dir, 'docker-compose.yml'), stackYaml(image)),
      },
      logger: createLogger({ sink: () => {} }),
      healthTimeoutMs: 60_000,
      // Busybox stacks are not Supabase stacks: a diagnosis would find every service missing.
      startScheduler: false,
    });
  agent = await startAgent();
  await agent.auth.createUser('admin', PASSWORD, 'admin');
  const admin = connect();
  await admin.login('admin', PASSWORD);
  for (let n = 0; n < COUNT; n++) {
    const { instance } = await admin.call<{ instance: Instance }>('instances.create', {
      name: `engine-${n}`,
    });
    instances.push(instance);
  }
  await until(
    `${COUNT} projects running`,
    async () => {
      const now = instances.map((i) => agent.registry.get(i.id)!);
      const failed = now.find((i) => i.status === 'failed');
      if (failed) throw new Error(`${failed.name} failed: ${JSON.stringify(failed.error)}`);
      return now.every((i) => i.status === 'running') ? true : undefined;
    },
    90_000,
  );
}, 180_000);

afterAll(async () => {
  if (agent) {
    await Promise.race([agent.lifecycle.idle(), new Promise((r) => setTimeout(r, 30_000))]);
    const client = connect();
    await client.login('admin', PASSWORD).catch(() => undefined);
    for (const i of instances) await client.call('instances.delete', { id: i.id }).catch(() => {});
    await agent.close();
  }
  await stopEngine();
  // The engine's data root: a mount dockerd failed to undo must not fail the file.
  if (root && existsSync(root)) await rm(root, { recursive: true, force: true }).catch(() => {});
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 120_000);

describe('dockerd restart under a running agent (dedicated engine)', () => {
  it('brings every project back running, reported within 60 s, with no repair loop', async () => {
    const before = new Map<string, Map<string, string>>();
    for (const i of instances) before.set(i.project, await running(i.project));
    expect([...before.values()].every((m) => m.size === 2)).toBe(true);

    // One project Docker will NOT restart by itself (its containers lost their policy): the
    // agent's own check must bring it back, database first.
    const orphaned = instances[0]!;
    await dedicated(['update', '--restart=no', ...before.get(orphaned.project)!.keys()]);

    const events: AgentEvent[] = [];
    const off = agent.events.subscribe((e) => events.push(e));
    const pid = process.pid;
    const linkBefore = host.engineLink();
    expect(linkBefore.connected).toBe(true);

    await stopEngine();
    await until(
      'the agent to see the engine gone',
      async () => (host.engineLink().connected ? undefined : true),
      10_000,
    );
    await startEngine();
    const back = Date.now();

    await until(
      'every project running in the registry and in Docker',
      async () => {
        if (!instances.every((i) => agent.registry.get(i.id)?.status === 'running'))
          return undefined;
        for (const i of instances) if ((await running(i.project)).size !== 2) return undefined;
        return true;
      },
      60_000,
    );
    const reportedMs = Date.now() - back;
    const recovery = await until(
      'the recovery pass to end',
      async () =>
        events
          .flatMap((e) => (e.type === 'agent.recovery' ? [e.event] : []))
          .find((p: RecoveryProgress) => p.phase === 'done'),
      30_000,
    );
    console.log(
      `dockerd restart: all ${COUNT} projects running and reported ${reportedMs} ms after the engine answered; the agent started ${recovery.total} itself`,
    );
    expect(reportedMs).toBeLessThan(60_000);
    // Same process, same event stream owner: reconnected, not restarted.
    expect(process.pid).toBe(pid);
    expect(host.engineLink()).toMatchObject({ connected: true });
    expect(host.engineLink().since).toBeGreaterThan(linkBefore.since);
    expect(recovery).toMatchObject({ reason: 'engine-restart', failed: 0 });
    expect(recovery.done).toBeGreaterThanOrEqual(1);

    // Nothing was recreated: Docker restarted its containers, the agent started the existing
    // ones it had to (compose up keeps them), and nobody removed anything.
    const after = new Map<string, Map<string, string>>();
    for (const i of instances) {
      after.set(i.project, await running(i.project));
      expect([...after.get(i.project)!.keys()].sort()).toEqual(
        [...before.get(i.project)!.keys()].sort(),
      );
    }

    // No repair loop: a quiet spell later every container still has the same start time, no
    // project left running, and the wire reports the same.
    const settledEvents = events.length;
    await new Promise((r) => setTimeout(r, 5_000));
    for (const i of instances) expect(await running(i.project)).toEqual(after.get(i.project));
    const later = events.slice(settledEvents);
    expect(
      later.filter((e) => e.type === 'instance.changed' && e.instance.status !== 'running'),
    ).toEqual([]);
    expect(later.filter((e) => e.type === 'instance.repaired')).toEqual([]);
    off();
    const client = connect();
    await client.login('admin', PASSWORD);
    const { instances: listed } = await client.call<{ instances: Instance[] }>('instances.list');
    for (const i of instances) {
      expect(listed.find((l) => l.id === i.id)?.status).toBe('running');
    }
  }, 150_000);

  it('after a simulated reboot, a new agent brings running projects back databases first; a stopped one stays stopped', async () => {
    const client = connect();
    await client.login('admin', PASSWORD);
    const off = instances[1]!;
    await client.call('instances.stop', { id: off.id });
    // The machine goes down: the agent first, then every container (`docker stop` marks them
    // stopped, so Docker will not start them again: everything is the agent's to bring back).
    await agent.close();
    for (const i of instances) {
      const ids = [...(await running(i.project)).keys()];
      if (ids.length > 0) await dedicated(['stop', '-t', '1', ...ids]);
    }
    const began = Date.now();
    agent = await startAgent();
    const events: AgentEvent[] = [];
    const offEvents = agent.events.subscribe((e) => events.push(e));
    const up = instances.filter((i) => i.id !== off.id);
    // A desktop connecting in the middle of the pass is told where it is first thing, with the
    // projects still waiting (issue 22: the banner and the cards' marks).
    const late = connect();
    await late.login('admin', PASSWORD);
    await until(
      'the pass to be under way',
      async () => (events.some((e) => e.type === 'agent.recovery') ? true : undefined),
      10_000,
    );
    const { stream } = await late.call<{ stream: string }>('events.subscribe');
    const replayed = late.notifications.find(
      (n) => (n.params as { stream?: string }).stream === stream,
    );
    expect((replayed?.params as { data?: AgentEvent })?.data).toMatchObject({
      type: 'agent.recovery',
      event: { reason: 'agent-start' },
    });
    late.close();
    await until(
      'the running projects back',
      async () => {
        if (!up.every((i) => agent.registry.get(i.id)?.status === 'running')) return undefined;
        for (const i of up) if ((await running(i.project)).size !== 2) return undefined;
        return true;
      },
      60_000,
    );
    const done = await until(
      'the start pass to end',
      async () =>
        events
          .flatMap((e) => (e.type === 'agent.recovery' ? [e.event] : []))
          .find((p: RecoveryProgress) => p.phase === 'done'),
      30_000,
    );
    offEvents();
    console.log(
      `simulated reboot: ${up.length} projects back ${Date.now() - began} ms after the agent started (settle 3 s, 2 at once)`,
    );
    expect(done).toMatchObject({
      reason: 'agent-start',
      total: up.length,
      done: up.length,
      failed: 0,
    });
    // Stopped on purpose: still stopped, for the registry and for Docker.
    expect(agent.registry.get(off.id)?.status).toBe('stopped');
    expect((await running(off.project)).size).toBe(0);
    // Databases first: every db started before any other service of any project.
    const startedAt = async (service: string) => {
      const ids = (
        await dedicated(['ps', '-q', '--filter', `label=com.docker.compose.service=${service}`])
      )
        .split('\n')
        .filter(Boolean);
      const out = await dedicated(['inspect', '-f', '{{.State.StartedAt}}', ...ids]);
      return out
        .split('\n')
        .filter(Boolean)
        .map((t) => Date.parse(t));
    };
    const dbs = await startedAt('db');
    const rests = await startedAt('rest');
    expect(dbs).toHaveLength(up.length);
    expect(Math.max(...dbs)).toBeLessThanOrEqual(Math.min(...rests));
  }, 120_000);

  it("leaves the main engine's default bridge (docker0) where it was", async () => {
    // After two starts and stops of the dedicated engine: the rig's own `docker run` needs it.
    const present = await run('ip', ['link', 'show', 'docker0']).then(
      () => true,
      () => false,
    );
    expect(present).toBe(docker0Before);
  });
});
