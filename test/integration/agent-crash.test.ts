// Issue 3's crash test: kill -9 the real daemon again and again while clients are writing,
// restart it, and check that the state is valid and that nothing it acknowledged was lost.
// Issue 22's: the real daemon kills itself (SIGKILL) at named steps of a creation and a
// deletion of a real stack on the rig's stand-in images; each restart must finish or roll back
// what it was cut off in, with nothing left in Docker. The whole operation × step matrix runs
// in the unit tier (remote-agent/src/operations/crash-matrix.test.ts).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fs, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, Instance } from '@protocol/types';
import { adminCreate, buildAgent, RpcClient, startDaemon, type Daemon } from './agent-harness';
import { ensureStandinImages } from '../rig/images';
import { RIG_HEALTHCHECK_INTERVAL_MS } from './rig-agent';
import { CRASH_AT_ENV } from '../../remote-agent/src/operations/crash-points';

const ROUNDS = 6;
let dir: string;
let dataDir: string;
let socket: string;
let configFile: string;
let daemon: Daemon | undefined;

beforeAll(() => {
  buildAgent();
  dir = mkdtempSync(path.join(tmpdir(), 'ub-agent-crash-'));
  dataDir = path.join(dir, 'data');
  socket = path.join(dir, 'agent.sock');
  configFile = path.join(dir, 'agent.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      portRanges: {
        kongHttp: [32000, 32999],
        kongHttps: [33000, 33999],
        postgres: [34000, 34999],
        poolerTransaction: [35000, 35999],
      },
    }),
  );
  expect(adminCreate(dataDir, 'root', 'root-password-1').status).toBe(0);
});

afterAll(async () => {
  await daemon?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

const start = () =>
  startDaemon({ dataDir, socket, args: ['--config', configFile], env: { INVOCATION_ID: '' } });

/** Keeps `client` writing until the connection dies; records what the agent acknowledged. */
async function writeUntilDead(
  client: RpcClient,
  tag: string,
  acked: { instances: Set<string>; users: Set<string> },
  onAck: () => void,
): Promise<void> {
  for (let i = 0; !client.closed; i++) {
    try {
      if (i % 3 === 1) {
        const username = `u${tag}x${i}`;
        await client.call('users.create', { username, password: 'user-password', role: 'user' });
        acked.users.add(username);
        onAck();
      } else {
        const r = await client.call<{ instance: Instance }>('instances.create', {
          name: `crash ${tag} ${i}`,
          dryRun: true,
        });
        acked.instances.add(r.instance.id);
        onAck();
      }
    } catch {
      return; // the daemon died mid-call: this one was never acknowledged
    }
  }
}

describe('agent state under kill -9', () => {
  it(`keeps every acknowledged write across ${ROUNDS} kills in the middle of writes`, async () => {
    const acked = { instances: new Set<string>(), users: new Set<string>() };
    for (let round = 0; round < ROUNDS; round++) {
      daemon = await start();
      const clients = await Promise.all(
        [0, 1, 2].map(async () => {
          const c = await RpcClient.connect(socket);
          await c.login('root', 'root-password-1');
          return c;
        }),
      );
      // Pull the plug the instant the agent acknowledges a random k-th write of the round: the
      // moment when an agent that answered before its write reached the disk would lose it.
      const killAt = 3 + Math.floor(Math.random() * 6);
      let acks = 0;
      const current = daemon;
      const writers = clients.map((c, k) =>
        writeUntilDead(c, `${round}k${k}`, acked, () => {
          if (++acks === killAt) current.proc.kill('SIGKILL');
        }),
      );
      const deadline = Date.now() + 60_000;
      while (acks < killAt && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await daemon.kill9();
      daemon = undefined;
      await Promise.all(writers);
    }
    expect(acked.instances.size).toBeGreaterThanOrEqual(ROUNDS * 2);
    expect(acked.users.size).toBeGreaterThan(0);
    console.log(
      `acknowledged before kills: ${acked.instances.size} instances, ${acked.users.size} users`,
    );

    // Restart and check from the outside, through the agent…
    daemon = await start();
    const c = await RpcClient.connect(socket);
    await c.login('root', 'root-password-1');
    const instances = (await c.call<{ instances: Instance[] }>('instances.list')).instances;
    const ids = new Set(instances.map((i) => i.id));
    for (const id of acked.instances) expect(ids.has(id), `instance ${id} lost`).toBe(true);
    const users = new Set(
      (await c.call<{ users: Array<{ username: string }> }>('users.list')).users.map(
        (u) => u.username,
      ),
    );
    for (const u of acked.users) expect(users.has(u), `user ${u} lost`).toBe(true);
    const ports = instances.flatMap((i) => Object.values(i.ports));
    expect(new Set(ports).size).toBe(ports.length);

    // …and from the inside: files and audit log.
    const onDisk = readdirSync(path.join(dataDir, 'instances'));
    expect(new Set(onDisk)).toEqual(ids); // crashed, unacknowledged creations were cleaned up
    for (const id of ids) {
      expect(existsSync(path.join(dataDir, 'instances', id, 'secrets.json'))).toBe(true);
      expect(existsSync(path.join(dataDir, 'instances', id, '.env'))).toBe(true);
    }
    expect(readdirSync(dataDir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    const state = JSON.parse(await fs.readFile(path.join(dataDir, 'state.json'), 'utf8')) as {
      schemaVersion: number;
    };
    expect(state.schemaVersion).toBe(1);

    const audit = (await c.call<{ entries: AuditEntry[] }>('audit.list', { limit: 1000 })).entries;
    const lines = (await fs.readFile(path.join(dataDir, 'audit.log'), 'utf8')).split('\n');
    expect(lines.at(-1)).toBe('');
    const parsed = lines.slice(0, -1).map((l) => JSON.parse(l) as AuditEntry);
    const seqs = parsed.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const created = new Set(
      parsed
        .filter((e) => e.action === 'instances.create' && e.result === 'ok')
        .map((e) => e.target),
    );
    for (const id of acked.instances) expect(created.has(id), `audit of ${id} lost`).toBe(true);
    expect(audit.length).toBeGreaterThan(0);
    c.close();
  });
});

function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('docker', args, { timeout: 120_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`docker ${args.join(' ')}: ${stderr}`)) : resolve(stdout),
    ),
  );
}

/** Containers, networks and volumes Docker still has with the project's compose label. */
async function dockerObjects(project: string): Promise<string[]> {
  const filter = ['--filter', `label=com.docker.compose.project=${project}`];
  const lists = await Promise.all([
    docker(['ps', '-aq', ...filter]),
    docker(['network', 'ls', '-q', ...filter]),
    docker(['volume', 'ls', '-q', ...filter]),
  ]);
  return lists.flatMap((l) => l.split('\n').filter(Boolean));
}

describe('long operations under a real SIGKILL at a named step', () => {
  let crashDir: string;
  let crashData: string;
  let crashConfig: string;
  let current: Daemon | undefined;
  const projects: string[] = [];

  beforeAll(async () => {
    const { images } = await ensureStandinImages();
    crashDir = mkdtempSync(path.join(tmpdir(), 'ub-agent-steps-'));
    crashData = path.join(crashDir, 'data');
    crashConfig = path.join(crashDir, 'agent.json');
    writeFileSync(
      crashConfig,
      JSON.stringify({
        images,
        resources: { minFreeMemoryMb: 0, minFreeDiskMb: 0, maxLoadPerCore: 1000 },
        healthcheckIntervalMs: RIG_HEALTHCHECK_INTERVAL_MS,
        capacity: { memoryOvercommit: 100 },
        portRanges: {
          kongHttp: [36000, 36099],
          kongHttps: [36100, 36199],
          postgres: [36200, 36299],
          poolerTransaction: [36300, 36399],
        },
      }),
    );
    expect(adminCreate(crashData, 'root', 'root-password-1').status).toBe(0);
  }, 600_000);

  afterAll(async () => {
    await current?.kill9();
    for (const p of projects) {
      const ids = await dockerObjects(p).catch(() => []);
      if (ids.length > 0) await docker(['rm', '-f', ...ids]).catch(() => undefined);
      await docker(['network', 'rm', `${p}_default`]).catch(() => undefined);
    }
    await fs.rm(crashDir, { recursive: true, force: true });
  });

  /** A daemon that kills itself at `<kind>:<step>` (or never, without one), and its client. */
  async function boot(crashAt?: string) {
    current = await startDaemon({
      dataDir: crashData,
      socket: path.join(crashDir, 'agent.sock'),
      args: ['--config', crashConfig],
      env: { INVOCATION_ID: '', [CRASH_AT_ENV]: crashAt ?? '' },
    });
    const daemon = current;
    const died = new Promise<string | null>((resolve) =>
      daemon.proc.once('exit', (_code, signal) => resolve(signal)),
    );
    const client = await RpcClient.connect(daemon.socket);
    await client.login('root', 'root-password-1');
    return { client, died };
  }

  const get = async (client: RpcClient, id: string) =>
    (await client.call<{ instances: Instance[] }>('instances.list')).instances.find(
      (i) => i.id === id,
    );

  it('finishes or rolls back a creation and finishes a deletion killed mid-way, leaving nothing in Docker', async () => {
    const started = Date.now();
    // 1. Killed as compose up is about to run.
    let agent = await boot('create:start');
    const { instance: a } = await agent.client.call<{ instance: Instance }>('instances.create', {
      name: 'killed at start',
    });
    projects.push(a.project);
    expect(await agent.died).toBe('SIGKILL');

    // 2. The restart rolls it back; then killed again while a new stack waits for health.
    agent = await boot('create:health');
    expect(await get(agent.client, a.id)).toMatchObject({
      status: 'failed',
      lastOperation: { kind: 'create', step: 'start', outcome: 'rolled-back' },
    });
    expect(await dockerObjects(a.project)).toEqual([]);
    // The smallest stack (no optional services): this is about the kill, not the services.
    const { instance: b } = await agent.client.call<{ instance: Instance }>('instances.create', {
      name: 'killed in health',
      optionalServices: { functions: false, realtime: false, imgproxy: false, studio: false },
    });
    projects.push(b.project);
    expect(await agent.died).toBe('SIGKILL');
    expect((await dockerObjects(b.project)).length).toBeGreaterThan(0);

    // 3. The restart finishes that one (its stack was up); then killed deleting it.
    agent = await boot('delete:containers');
    expect(await get(agent.client, b.id)).toMatchObject({
      status: 'running',
      lastOperation: { kind: 'create', step: 'health', outcome: 'completed' },
    });
    void agent.client.call('instances.delete', { id: b.id }).catch(() => undefined);
    expect(await agent.died).toBe('SIGKILL');
    expect((await dockerObjects(b.project)).length).toBeGreaterThan(0);

    // 4. The restart finishes the deletion: nothing of it in the registry, on disk or in Docker.
    agent = await boot();
    expect(await get(agent.client, b.id)).toBeUndefined();
    expect(await dockerObjects(b.project)).toEqual([]);
    expect(readdirSync(path.join(crashData, 'instances')).sort()).toEqual([a.id]);
    expect(readdirSync(path.join(crashData, 'operations'))).toEqual([]);
    // The rolled-back creation kept only its record (and ports) until deleted, like any failure.
    await agent.client.call('instances.delete', { id: a.id });
    expect(
      (await agent.client.call<{ instances: Instance[] }>('instances.list')).instances,
    ).toEqual([]);
    agent.client.close();
    await current!.stop();
    current = undefined;
    console.log(`four kills and restarts with two real stacks: ${Date.now() - started} ms`);
  }, 900_000);
});
