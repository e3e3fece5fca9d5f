// Issue 3's crash test: kill -9 the real daemon again and again while clients are writing,
// restart it, and check that the state is valid and that nothing it acknowledged was lost.
import { existsSync, mkdtempSync, promises as fs, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, Instance } from '@protocol/types';
import { adminCreate, buildAgent, RpcClient, startDaemon, type Daemon } from './agent-harness';

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
