// The real agent bundle on a temp unix socket, driven by a real client: handshake, login and
// rate limit, both roles' rights, 20 parallel dry-run creations, bad input, events, stdio and
// dial. One daemon serves the whole file; each test uses its own users and names.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, promises as fs, readdirSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyJwt } from '@common/jwt';
import type { AgentEvent, Instance, InstanceCredentials } from '@protocol/types';
import {
  adminCreate,
  buildAgent,
  BUNDLE,
  RpcClient,
  rssKb,
  startDaemon,
  type Daemon,
} from './agent-harness';

const ADMIN = { username: 'root', password: 'root-password-1' };
let dir: string;
let dataDir: string;
let daemon: Daemon;
let admin: RpcClient;
let blocker: net.Server;
const clients: RpcClient[] = [];

// Ranges far from the defaults so parallel suites on this machine do not meet; the first port
// of kongHttp is held by a real listener the allocator must notice.
const config = {
  maxInstances: 50,
  portRanges: {
    kongHttp: [31000, 31099],
    kongHttps: [31100, 31199],
    postgres: [31200, 31299],
    poolerTransaction: [31300, 31399],
  },
};

async function connect(): Promise<RpcClient> {
  const c = await RpcClient.connect(daemon.socket);
  clients.push(c);
  return c;
}

async function userClient(username: string, role: 'admin' | 'user' = 'user') {
  await admin.call('users.create', { username, password: `${username}-password`, role });
  const c = await connect();
  await c.login(username, `${username}-password`);
  return c;
}

beforeAll(async () => {
  buildAgent();
  dir = mkdtempSync(path.join(tmpdir(), 'ub-agent-it-'));
  dataDir = path.join(dir, 'data');
  writeFileSync(path.join(dir, 'agent.json'), JSON.stringify(config));
  const created = adminCreate(dataDir, ADMIN.username, ADMIN.password);
  expect(created.status, created.stderr).toBe(0);
  blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(31000, '127.0.0.1', r));
  daemon = await startDaemon({
    dataDir,
    socket: path.join(dir, 'run', 'agent.sock'),
    args: ['--config', path.join(dir, 'agent.json')],
    env: { INVOCATION_ID: '' },
  });
  admin = await connect();
  await admin.login(ADMIN.username, ADMIN.password);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await daemon?.stop();
  blocker?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('agent daemon over its unix socket', () => {
  it('reports bundle size and idle memory, and listens with mode 0660', () => {
    const bundleKb = statSync(BUNDLE).size / 1024;
    const rss = rssKb(daemon.pid);
    console.log(
      `agent bundle ${bundleKb.toFixed(1)} KiB; idle RSS after start ${(rss / 1024).toFixed(1)} MiB`,
    );
    expect(statSync(daemon.socket).mode & 0o777).toBe(0o660);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  });

  it('prints its version and protocol as JSON', () => {
    const r = spawnSync('node', [BUNDLE, 'version'], { encoding: 'utf8' });
    expect(JSON.parse(r.stdout)).toEqual({ version: expect.any(String), protocol: 1 });
  });

  it('negotiates the protocol and requires hello, then login', async () => {
    const c = await connect();
    expect(await c.codeOf('instances.list')).toBe('HELLO_REQUIRED');
    expect(await c.codeOf('session.hello', { protocol: 2, client: 'future' })).toBe(
      'PROTOCOL_MISMATCH',
    );
    const hello = await c.call<{ protocol: number; agentVersion: string; capabilities: string[] }>(
      'session.hello',
      { protocol: 1, client: 't' },
    );
    expect(hello.protocol).toBe(1);
    expect(hello.capabilities).toContain('dry-run');
    expect(await c.codeOf('instances.list')).toBe('UNAUTHENTICATED');
    expect(await c.codeOf('system.ping')).toBe('ok');
    expect(await c.codeOf('no.such.method')).toBe('METHOD_NOT_FOUND');
    expect(await c.codeOf('auth.login', { username: 'root' })).toBe('INVALID_PARAMS');
  });

  it('logs in with the right password only, resumes a token, and rate-limits guessing', async () => {
    await admin.call('users.create', {
      username: 'guessme',
      password: 'guessme-pass',
      role: 'user',
    });
    const c = await connect();
    await c.hello();
    expect(await c.codeOf('auth.login', { username: 'guessme', password: 'wrong-pass' })).toBe(
      'INVALID_CREDENTIALS',
    );
    const session = await c.call<{ token: string; expiresAt: string }>('auth.login', {
      username: 'guessme',
      password: 'guessme-pass',
    });
    expect(Date.parse(session.expiresAt) - Date.now()).toBeGreaterThan(23.9 * 3600 * 1000);
    const other = await connect();
    await other.hello();
    await other.call('auth.resume', { token: session.token });
    expect((await other.call<{ user: { username: string } }>('auth.whoami')).user.username).toBe(
      'guessme',
    );
    expect(await other.codeOf('auth.resume', { token: 'forged' })).toBe('UNAUTHENTICATED');

    for (let i = 0; i < 5; i++) {
      expect(await c.codeOf('auth.login', { username: 'guessme', password: `guess-${i}` })).toBe(
        'INVALID_CREDENTIALS',
      );
    }
    expect(await c.codeOf('auth.login', { username: 'guessme', password: 'guessme-pass' })).toBe(
      'RATE_LIMITED',
    );
    // Logging out revokes the token for every connection that used it.
    await c.call('auth.logout');
    expect(await other.codeOf('instances.list')).toBe('UNAUTHENTICATED');
  });

  it('keeps users to their own and granted instances; admins see and manage all', async () => {
    const ana = await userClient('ana');
    const bob = await userClient('bob');
    const { instance } = await ana.call<{ instance: Instance }>('instances.create', {
      name: 'Ana shop',
      dryRun: true,
    });
    expect(instance.owner).toBe('ana');
    expect(instance.status).toBe('created');

    expect((await bob.call<{ instances: Instance[] }>('instances.list')).instances).toEqual([]);
    expect(await bob.codeOf('instances.get', { id: instance.id })).toBe('NOT_FOUND');
    expect(await bob.codeOf('instances.credentials', { id: instance.id })).toBe('NOT_FOUND');
    expect(await bob.codeOf('instances.delete', { id: instance.id })).toBe('NOT_FOUND');
    expect(await bob.codeOf('users.list')).toBe('FORBIDDEN');
    expect(await bob.codeOf('users.grant', { username: 'bob', instanceId: instance.id })).toBe(
      'FORBIDDEN',
    );

    const all = (await admin.call<{ instances: Instance[] }>('instances.list')).instances;
    expect(all.map((i) => i.id)).toContain(instance.id);

    await admin.call('users.grant', { username: 'bob', instanceId: instance.id });
    expect(
      (await bob.call<{ instance: Instance }>('instances.get', { id: instance.id })).instance.name,
    ).toBe('Ana shop');
    const creds = (
      await bob.call<{ credentials: InstanceCredentials }>('instances.credentials', {
        id: instance.id,
      })
    ).credentials;
    // The keys are real HS256 JWTs signed with this instance's secret.
    const anon = verifyJwt(creds.anonKey, creds.jwtSecret);
    const service = verifyJwt(creds.serviceRoleKey, creds.jwtSecret);
    expect(anon.ok && anon.claims.role).toBe('anon');
    expect(service.ok && service.claims.role).toBe('service_role');
    expect(creds.databaseUrl).toContain(`:${instance.ports.postgres}/`);
    expect(await bob.codeOf('instances.delete', { id: instance.id })).toBe('FORBIDDEN');
    // Nothing secret reached the agent's own log or the audit log.
    const logs = [
      await fs.readFile(path.join(dataDir, 'logs', 'agent.log'), 'utf8'),
      await fs.readFile(path.join(dataDir, 'audit.log'), 'utf8'),
    ].join('');
    for (const secret of [
      creds.postgresPassword,
      creds.jwtSecret,
      creds.dashboardPassword,
      'ana-password',
    ]) {
      expect(logs).not.toContain(secret);
    }

    await admin.call('users.revoke', { username: 'bob', instanceId: instance.id });
    expect(await bob.codeOf('instances.get', { id: instance.id })).toBe('NOT_FOUND');

    await ana.call('instances.delete', { id: instance.id });
    expect(await ana.codeOf('instances.get', { id: instance.id })).toBe('NOT_FOUND');
    expect(readdirSync(path.join(dataDir, 'instances'))).not.toContain(instance.id);

    // The audit log saw all of it, and a user reads only their part.
    const audit = (
      await admin.call<{ entries: Array<{ action: string; actor: string; result: string }> }>(
        'audit.list',
        { limit: 1000 },
      )
    ).entries;
    expect(audit.some((e) => e.action === 'users.grant' && e.actor === 'root')).toBe(true);
    expect(audit.some((e) => e.action === 'instances.delete' && e.actor === 'ana')).toBe(true);
    const bobs = (await bob.call<{ entries: Array<{ actor: string }> }>('audit.list', {})).entries;
    expect(bobs.every((e) => e.actor === 'bob')).toBe(true);
    expect(await admin.codeOf('users.delete', { username: 'root' })).toBe('LAST_ADMIN');
  });

  it('creates 20 dry-run instances in parallel with distinct ports and private files', async () => {
    const carl = await userClient('carl');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        carl.call<{ instance: Instance; queuePosition: number }>('instances.create', {
          name: `parallel ${i}`,
          dryRun: true,
        }),
      ),
    );
    const ports = results.flatMap((r) => Object.values(r.instance.ports));
    expect(new Set(ports).size).toBe(80);
    expect(ports).not.toContain(31000); // held by a real listener
    const ids = new Set(results.map((r) => r.instance.id));
    expect(ids.size).toBe(20);
    for (const { instance } of results) {
      expect(instance.id).toMatch(/^[a-z0-9]{10}$/);
      expect(instance.project).toBe(`ub_${instance.id}`);
      const instanceDir = path.join(dataDir, 'instances', instance.id);
      expect(statSync(instanceDir).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(instanceDir, '.env')).mode & 0o777).toBe(0o600);
      expect(statSync(path.join(instanceDir, 'docker-compose.yml')).isFile()).toBe(true);
    }
    const listed = (await carl.call<{ instances: Instance[] }>('instances.list')).instances;
    expect(listed).toHaveLength(20);
  });

  it('refuses bad names with INVALID_NAME and writes nothing', async () => {
    const dora = await userClient('dora');
    await dora.call('instances.create', { name: 'taken', dryRun: true });
    const before = readdirSync(path.join(dataDir, 'instances')).length;
    const stateBefore = await fs.readFile(path.join(dataDir, 'state.json'), 'utf8');
    for (const name of [
      '',
      'a'.repeat(41),
      'x; rm -rf /',
      '../etc',
      'tab\there',
      ' lead',
      'TAKEN',
    ]) {
      expect(await dora.codeOf('instances.create', { name, dryRun: true }), name).toBe(
        'INVALID_NAME',
      );
    }
    expect(readdirSync(path.join(dataDir, 'instances'))).toHaveLength(before);
    expect(await fs.readFile(path.join(dataDir, 'state.json'), 'utf8')).toBe(stateBefore);
    // Another owner may use the same name.
    const emil = await userClient('emil');
    expect(await emil.codeOf('instances.create', { name: 'taken', dryRun: true })).toBe('ok');
  });

  // Docker-bound methods (non-dry-run create, start/stop, logs, stats) belong to the lifecycle's
  // own integration tests; without a driver they answer DOCKER_UNAVAILABLE (instances unit test).
  it('reports host resources from /proc and statfs', async () => {
    const fay = await userClient('fay');
    const res = await fay.call<{
      memoryAvailableMb: number;
      memoryTotalMb: number;
      diskFreeMb: number;
      cpus: number;
      maxInstances: number;
      fitsMore: number;
    }>('system.resources');
    expect(res.cpus).toBeGreaterThan(0);
    expect(res.memoryAvailableMb).toBeGreaterThan(0);
    expect(res.memoryAvailableMb).toBeLessThanOrEqual(res.memoryTotalMb);
    expect(res.diskFreeMb).toBeGreaterThan(0);
    expect(res.maxInstances).toBe(50);
    expect(res.fitsMore).toBeLessThanOrEqual(50);
  });

  it('answers malformed and oversized lines with an error and keeps the connection', async () => {
    const c = await connect();
    await c.hello();
    c.writeRaw('this is not json\n');
    c.writeRaw('{"jsonrpc":"2.0","id":{"bad":1},"method":"x"}\n');
    c.writeRaw('[1,2]\n');
    // 2 MiB in several writes: over the 1 MiB limit.
    const big = Buffer.alloc(2 * 1024 * 1024, 'a');
    c.writeRaw(
      Buffer.concat([
        Buffer.from('{"jsonrpc":"2.0","id":99,"method":"system.ping","params":{"x":"'),
        big,
      ]),
    );
    c.writeRaw('"}}\n');
    await c.until(() => c.orphanErrors.length >= 4);
    expect(c.orphanErrors.map((e) => e.data.code)).toEqual([
      'PARSE_ERROR',
      'INVALID_REQUEST',
      'INVALID_REQUEST',
      'MESSAGE_TOO_LARGE',
    ]);
    expect(await c.codeOf('system.ping')).toBe('ok');
    // Other sessions were not disturbed either.
    expect(await admin.codeOf('system.ping')).toBe('ok');
  });

  it('streams events to subscribers, filtered by rights, with ack flow control', async () => {
    const gil = await userClient('gil');
    const hal = await userClient('hal');
    const { stream } = await gil.call<{ stream: string }>('events.subscribe');
    const { stream: halStream } = await hal.call<{ stream: string }>('events.subscribe');
    const { instance } = await gil.call<{ instance: Instance }>('instances.create', {
      name: 'evented',
      dryRun: true,
    });
    const events = (c: RpcClient, s: string) =>
      c.notifications
        .filter((n) => n.method === 'stream.data' && n.params.stream === s)
        .map((n) => n.params.data as AgentEvent);
    await gil.until(() =>
      events(gil, stream).some(
        (e) => e.type === 'instance.changed' && e.instance.id === instance.id,
      ),
    );
    await gil.until(() => events(gil, stream).some((e) => e.type === 'audit'));
    const data = gil.notifications.filter((n) => n.method === 'stream.data');
    expect(data.map((n) => n.params.seq)).toEqual(data.map((_, i) => i + 1));
    gil.notify('stream.ack', {
      stream,
      bytes: data.reduce((a, n) => a + (n.params.bytes ?? 0), 0),
    });
    await admin.call('system.ping');
    expect(
      events(hal, halStream).some(
        (e) => e.type === 'instance.changed' && e.instance.id === instance.id,
      ),
    ).toBe(false);
    await gil.call('stream.cancel', { stream });
    await gil.until(() => gil.notifications.some((n) => n.method === 'stream.end'));
    expect(await gil.codeOf('stream.cancel', { stream })).toBe('STREAM_NOT_FOUND');
  });

  it('bridges stdio to the socket with `dial`', async () => {
    const child = spawn('node', [BUNDLE, 'dial', '--socket', daemon.socket], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const c = new RpcClient(child.stdout, child.stdin);
    await c.login(ADMIN.username, ADMIN.password);
    expect((await c.call<{ users: unknown[] }>('users.list')).users.length).toBeGreaterThan(1);
    c.close();
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
  });

  it('refuses a second agent on the same data directory', async () => {
    const r = spawnSync(
      'node',
      [BUNDLE, 'serve', '--data-dir', dataDir, '--socket', path.join(dir, 'other.sock')],
      {
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(r.status).toBe(75);
    expect(r.stderr).toContain('DATA_DIR_LOCKED');
  });

  it('refuses an invalid config naming the key', () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ portRanges: { kongHttp: [8000, 8999], kongHttps: [8400, 8499] } }),
    );
    const r = spawnSync(
      'node',
      [
        BUNDLE,
        'serve',
        '--data-dir',
        path.join(dir, 'd2'),
        '--socket',
        path.join(dir, 'd2.sock'),
        '--config',
        bad,
      ],
      {
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(r.status).toBe(78);
    expect(r.stderr).toContain('portRanges.kongHttps');
    const env = spawnSync(
      'node',
      [BUNDLE, 'serve', '--data-dir', path.join(dir, 'd2'), '--socket', path.join(dir, 'd2.sock')],
      {
        encoding: 'utf8',
        timeout: 20_000,
        env: { ...process.env, MAX_INSTANCES: 'lots' },
      },
    );
    expect(env.status).toBe(78);
    expect(env.stderr).toContain('MAX_INSTANCES');
  });
});

describe('agent over stdio', () => {
  it('serves one session on stdin/stdout and exits when stdin closes', async () => {
    const stdioDir = path.join(dir, 'stdio-data');
    expect(adminCreate(stdioDir, 'me', 'me-password-1').status).toBe(0);
    // admin create again without --force is refused, with --force it resets.
    expect(adminCreate(stdioDir, 'other', 'other-password').stderr).toContain('ADMIN_EXISTS');
    expect(adminCreate(stdioDir, 'me', 'me-password-2', true).status).toBe(0);
    const child = spawn('node', [BUNDLE, 'serve', '--stdio', '--data-dir', stdioDir], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, INVOCATION_ID: '' },
    });
    const c = new RpcClient(child.stdout, child.stdin);
    await c.login('me', 'me-password-2');
    const { instance } = await c.call<{ instance: Instance }>('instances.create', {
      name: 'local',
      dryRun: true,
    });
    expect(instance.urls.api).toBe(`http://127.0.0.1:${instance.ports.kongHttp}`);
    c.close();
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
    // Logs went to the rotated file, never to stdout (the protocol channel).
    const log = await fs.readFile(path.join(stdioDir, 'logs', 'agent.log'), 'utf8');
    expect(log).toContain('"method":"instances.create"');
    expect(log).not.toContain('me-password-2');
  });
});
