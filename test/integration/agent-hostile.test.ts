// Hostile input against the real agent bundle on a unix socket (issue 13, "Also build" 3): garbage
// lines, deep nesting, huge ids, every method before login and as a plain user against another
// user's project, prototype-polluting and path-like names. Each case asserts that the agent
// stays up, takes no action and puts no secret in any error. Then the review's pre-login flood:
// 5,000 failed logins in under a second, with the audit log's growth and an admin's concurrent
// operation measured against its idle time. Dry runs only: no container is started.
import { mkdtempSync, promises as fs, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BEFORE_HELLO_METHODS,
  MethodParams,
  PUBLIC_METHODS,
  type MethodName,
} from '@protocol/methods';
import type { AuditEntry, Instance } from '@protocol/types';
import {
  adminCreate,
  buildAgent,
  RpcClient,
  RpcError,
  rssKb,
  startDaemon,
  type Daemon,
} from './agent-harness';

const ADMIN = { username: 'root', password: 'root-password-1' };
const METHODS = Object.keys(MethodParams) as MethodName[];
let dir: string;
let dataDir: string;
let daemon: Daemon;
let admin: RpcClient;
let alice: RpcClient;
let bob: RpcClient;
let project: Instance;
const clients: RpcClient[] = [];
/** Every error the agent sent back in this file, to search for secrets at the end. */
const errorsSeen: unknown[] = [];
/** Values that must never appear in an error: passwords, tokens, the project's secrets. */
const secrets = new Set<string>([ADMIN.password, 'alice-password', 'bob-password']);

const config = {
  maxInstances: 20,
  portRanges: {
    kongHttp: [32000, 32099],
    kongHttps: [32100, 32199],
    postgres: [32200, 32299],
    poolerTransaction: [32300, 32399],
  },
};

async function connect(): Promise<RpcClient> {
  const c = await RpcClient.connect(daemon.socket);
  clients.push(c);
  return c;
}

async function codeOf(c: RpcClient, method: string, params: unknown = {}): Promise<string> {
  try {
    await c.call(method, params);
    return 'ok';
  } catch (error) {
    if (error instanceof RpcError) {
      errorsSeen.push(error.error);
      return error.code;
    }
    throw error;
  }
}

async function userClient(username: string): Promise<RpcClient> {
  await admin.call('users.create', { username, password: `${username}-password`, role: 'user' });
  const c = await connect();
  const session = await c.login(username, `${username}-password`);
  secrets.add(session.token);
  return c;
}

/** A socket that speaks raw bytes; resolves with the lines the agent answered. */
async function rawExchange(bytes: Buffer | string, waitMs = 300): Promise<string[]> {
  const socket = net.connect(daemon.socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  socket.on('data', (c: Buffer) => (text += c.toString('utf8')));
  socket.write(bytes);
  await new Promise((r) => setTimeout(r, waitMs));
  socket.destroy();
  return text.split('\n').filter((l) => l.length > 0);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  buildAgent();
  dir = mkdtempSync(path.join(tmpdir(), 'ub-hostile-'));
  dataDir = path.join(dir, 'data');
  writeFileSync(path.join(dir, 'agent.json'), JSON.stringify(config));
  const created = adminCreate(dataDir, ADMIN.username, ADMIN.password);
  expect(created.status, created.stderr).toBe(0);
  daemon = await startDaemon({
    dataDir,
    socket: path.join(dir, 'run', 'agent.sock'),
    args: ['--config', path.join(dir, 'agent.json')],
    env: { INVOCATION_ID: '' },
  });
  admin = await connect();
  secrets.add((await admin.login(ADMIN.username, ADMIN.password)).token);
  alice = await userClient('alice');
  bob = await userClient('bob');
  project = (
    await alice.call<{ instance: Instance }>('instances.create', { name: 'alices', dryRun: true })
  ).instance;
  const credentials = await alice.call<Record<string, string>>('instances.credentials', {
    id: project.id,
  });
  for (const value of Object.values(credentials)) {
    if (typeof value === 'string' && value.length >= 12) secrets.add(value);
  }
});

afterAll(async () => {
  for (const c of clients) c.close();
  await daemon?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('hostile input on the agent socket', () => {
  it('answers garbage, deep nesting and broken encodings with errors and stays up', async () => {
    const garbage = [
      Buffer.from([0xff, 0xfe, 0x00, 0x0a]),
      '\u0000\u0001\u0002\n',
      '{"jsonrpc":"2.0"\n',
      'null\n',
      '42\n',
      '"string"\n',
      '{}\n',
      '{"jsonrpc":"2.0","id":{},"method":"system.ping"}\n',
      '{"jsonrpc":"2.0","id":[1],"method":"system.ping"}\n',
      '{"jsonrpc":"2.0","id":1,"method":{"toString":1}}\n',
      '[' + '['.repeat(200_000) + ']'.repeat(200_000) + ']\n',
      '{"jsonrpc":"2.0","id":2,"method":"system.ping","params":' +
        '{"a":'.repeat(50_000) +
        '1' +
        '}'.repeat(50_000) +
        '}\n',
      '{"jsonrpc":"2.0","id":3,"method":"session.hello","params":{"protocol":1,"client":"' +
        '\ud800'.repeat(10) +
        '"}}\n',
    ];
    for (const line of garbage) {
      const answers = await rawExchange(line, 150);
      expect(answers.length, `no answer to ${JSON.stringify(line).slice(0, 60)}`).toBeGreaterThan(
        0,
      );
      for (const answer of answers) {
        const parsed = JSON.parse(answer) as { error?: unknown };
        if (parsed.error) errorsSeen.push(parsed.error);
      }
    }
    expect(alive(daemon.pid)).toBe(true);
    expect(await codeOf(admin, 'system.ping')).toBe('ok');
  });

  it('refuses huge ids and method names without echoing them', async () => {
    const hugeId = 'i'.repeat(1024 * 1024 - 100);
    const answers = await rawExchange(
      JSON.stringify({ jsonrpc: '2.0', id: hugeId, method: 'system.ping' }) +
        '\n' +
        JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'm'.repeat(1024 * 1024 - 100) }) +
        '\n' +
        JSON.stringify({ jsonrpc: '2.0', id: 1e308, method: 'system.ping' }) +
        '\n',
      500,
    );
    expect(answers).toHaveLength(3);
    for (const answer of answers) expect(answer.length).toBeLessThan(2000);
    const [first, second, third] = answers.map((a) => JSON.parse(a) as Record<string, unknown>);
    expect(first?.id).toBeNull();
    expect((second?.error as { data: { code: string } }).data.code).toBe('METHOD_NOT_FOUND');
    expect(third?.result).toBeDefined();
  });

  it('before hello and before login, every method is refused without a word about params', async () => {
    const c = await connect();
    for (const method of METHODS.filter((m) => !BEFORE_HELLO_METHODS.includes(m))) {
      expect(`${method} ${await codeOf(c, method, { id: '../../x', bogus: 1 })}`).toBe(
        `${method} HELLO_REQUIRED`,
      );
    }
    // The pre-hello methods check their (public, tiny) params: a bogus bind binds nothing.
    expect(await codeOf(c, 'session.bind', { id: '../../x', bogus: 1 })).toBe('INVALID_PARAMS');
    await c.hello();
    for (const method of METHODS.filter((m) => !PUBLIC_METHODS.includes(m))) {
      for (const params of [{}, { id: project.id }, { id: 'x'.repeat(500), extra: [1] }, null]) {
        const code = await codeOf(c, method, params);
        expect(`${method} ${code}`).toBe(`${method} UNAUTHENTICATED`);
      }
    }
    for (const method of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '']) {
      expect(await codeOf(c, method)).toBe('METHOD_NOT_FOUND');
    }
    expect(
      (await admin.call<{ instance: Instance }>('instances.get', { id: project.id })).instance
        .status,
    ).toBe(project.status);
  });

  it("a plain user can neither see nor touch another user's project", async () => {
    const before = (await admin.call<{ instance: Instance }>('instances.get', { id: project.id }))
      .instance;
    const attempts: Array<[MethodName, Record<string, unknown>]> = [
      ['instances.get', { id: project.id }],
      ['instances.credentials', { id: project.id }],
      ['instances.progress', { id: project.id }],
      ['instances.start', { id: project.id }],
      ['instances.stop', { id: project.id }],
      ['instances.restart', { id: project.id }],
      ['instances.delete', { id: project.id }],
      ['instances.diagnose', { id: project.id }],
      ['instances.repair', { id: project.id, dryRun: false }],
      ['logs.follow', { id: project.id, follow: false, tail: 10 }],
      ['stats.instance', { id: project.id }],
      ['users.grant', { username: 'bob', instanceId: project.id }],
      ['users.revoke', { username: 'alice', instanceId: project.id }],
      ['users.update', { username: 'alice', password: 'stolen-password' }],
      ['users.update', { username: 'bob', role: 'admin' }],
      ['users.delete', { username: 'alice' }],
      ['users.create', { username: 'mallory', password: 'mallory-pass', role: 'admin' }],
      ['users.list', {}],
    ];
    for (const [method, params] of attempts) {
      const code = await codeOf(bob, method, params);
      expect(['NOT_FOUND', 'FORBIDDEN'], `${method} gave ${code}`).toContain(code);
    }
    expect((await bob.call<{ instances: Instance[] }>('instances.list')).instances).toEqual([]);
    const audit = await bob.call<{ entries: AuditEntry[] }>('audit.list', {
      instanceId: project.id,
    });
    // Bob sees his own refused attempts on that id, and nothing of alice's.
    expect(audit.entries.length).toBeGreaterThan(0);
    for (const entry of audit.entries) {
      expect([entry.actor, entry.result]).toEqual(['bob', 'error']);
    }
    const after = (await admin.call<{ instance: Instance }>('instances.get', { id: project.id }))
      .instance;
    expect(after).toEqual(before);
    const users = (
      await admin.call<{ users: Array<{ username: string; role: string }> }>('users.list')
    ).users;
    expect(users.map((u) => `${u.username}:${u.role}`).sort()).toEqual([
      'alice:user',
      'bob:user',
      'root:admin',
    ]);
    expect(await codeOf(alice, 'auth.whoami')).toBe('ok');
  });

  it('prototype names are plain unknown names, and a __proto__ key pollutes nothing', async () => {
    const c = await connect();
    await c.hello();
    for (const name of ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
      expect(await codeOf(c, 'auth.login', { username: name, password: 'whatever-1' })).toMatch(
        /^(INVALID_CREDENTIALS|BUSY|RATE_LIMITED)$/,
      );
      expect(await codeOf(admin, 'instances.get', { id: name.toLowerCase() })).toMatch(
        /^(NOT_FOUND|INVALID_PARAMS)$/,
      );
      expect(
        await codeOf(admin, 'users.grant', {
          username: name.toLowerCase(),
          instanceId: project.id,
        }),
      ).toMatch(/^(NOT_FOUND|INVALID_PARAMS)$/);
      expect(
        await codeOf(admin, 'users.update', {
          username: name.toLowerCase(),
          role: 'admin',
          password: 'backdoor123',
        }),
      ).toMatch(/^(NOT_FOUND|INVALID_PARAMS)$/);
    }
    // The raw key, as JSON text: zod's strict objects refuse it, and nothing inherits it.
    const answers = await rawExchange(
      '{"jsonrpc":"2.0","id":1,"method":"session.hello","params":{"protocol":1,"client":"x",' +
        '"__proto__":{"role":"admin","hello":true,"tokenHash":"x"}}}\n' +
        '{"jsonrpc":"2.0","id":2,"method":"users.list","params":{}}\n',
    );
    const codes = answers.map(
      (a) => (JSON.parse(a) as { error?: { data: { code: string } } }).error?.data.code,
    );
    expect(codes).toEqual(['INVALID_PARAMS', 'HELLO_REQUIRED']);
    // 'constructor' is a valid username: an ordinary account, listed and deletable.
    await admin.call('users.create', {
      username: 'constructor',
      password: 'constructor-pw',
      role: 'user',
    });
    const k = await connect();
    await k.login('constructor', 'constructor-pw');
    expect(await codeOf(k, 'users.list')).toBe('FORBIDDEN');
    await admin.call('users.delete', { username: 'constructor' });
    expect(await codeOf(k, 'auth.whoami')).toBe('UNAUTHENTICATED');
    expect(await codeOf(bob, 'users.list')).toBe('FORBIDDEN');
  });

  it('path-like names are refused and nothing is written outside the data directory', async () => {
    const instancesBefore = readdirSync(path.join(dataDir, 'instances')).sort();
    for (const name of ['../../etc', '..', '/etc/passwd', 'a/b', 'x\u0000y', '.hidden', '~root']) {
      expect(await codeOf(alice, 'instances.create', { name, dryRun: true })).toBe('INVALID_NAME');
    }
    for (const id of ['../../etc/passwd', '..', '/', 'ABCDEF', '%2e%2e%2f']) {
      expect(await codeOf(admin, 'instances.get', { id })).toBe('INVALID_PARAMS');
      expect(await codeOf(admin, 'logs.follow', { id, follow: false })).toBe('INVALID_PARAMS');
    }
    for (const username of ['../root', 'root/..', 'a b', 'ROOT', '']) {
      expect(
        await codeOf(admin, 'users.create', { username, password: 'password-1', role: 'user' }),
      ).toBe('INVALID_PARAMS');
    }
    expect(readdirSync(path.join(dataDir, 'instances')).sort()).toEqual(instancesBefore);
    expect(readdirSync(dir).sort()).toEqual(['agent.json', 'data', 'run']);
  });

  it('no error message or data carries a secret', () => {
    expect(errorsSeen.length).toBeGreaterThan(100);
    const text = JSON.stringify(errorsSeen);
    for (const secret of secrets) expect(text.includes(secret), 'a secret leaked').toBe(false);
    expect(text).not.toMatch(/at .*\.(c?js|ts):\d+/); // no stack frames
  });
});

describe("the review's pre-login flood", () => {
  it('5,000 failed logins in under a second: small audit log, admin barely slowed', async () => {
    // A dry-run creation touches state, files and the audit log: a real operation with a
    // measurable idle time (the review: 24 ms idle, 11,673 ms under a 200-login flood).
    let n = 0;
    const createOnce = async () => {
      const started = performance.now();
      const { instance } = await admin.call<{ instance: Instance }>('instances.create', {
        name: `flood${n++}`,
        dryRun: true,
      });
      const ms = performance.now() - started;
      await admin.call('instances.delete', { id: instance.id });
      return ms;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    await createOnce();
    const idle: number[] = [];
    for (let i = 0; i < 7; i++) idle.push(await createOnce());

    const auditBefore = (await fs.stat(path.join(dataDir, 'audit.log'))).size;
    const rssBefore = rssKb(daemon.pid);
    const attackers = await Promise.all(Array.from({ length: 10 }, () => connect()));
    for (const a of attackers) await a.hello();
    const started = performance.now();
    const answers: Array<Promise<string>> = [];
    attackers.forEach((a, k) => {
      for (let i = 0; i < 500; i++) {
        // One attacker aims at the admin's own name; the rest spray new names (the review's #5).
        const username = k === 0 ? 'root' : `spray-${k}-${i}-${'x'.repeat(40)}`;
        answers.push(
          a.call('auth.login', { username, password: `guess-${i}` }).then(
            () => 'ok',
            (e: unknown) => (e instanceof RpcError ? e.code : String(e)),
          ),
        );
      }
    });
    const sentMs = performance.now() - started;
    const during: number[] = [];
    for (let i = 0; i < 7; i++) during.push(await createOnce());
    const codes = await Promise.all(answers);
    const floodMs = performance.now() - started;
    const tally: Record<string, number> = {};
    for (const code of codes) tally[code] = (tally[code] ?? 0) + 1;

    // The admin, from a fresh connection, still gets in with the right password (#16).
    const fresh = await connect();
    await fresh.login(ADMIN.username, ADMIN.password);
    // Stopping writes the counted attempts; the log is measured with them in.
    await daemon.stop();
    const auditGrowth = (await fs.stat(path.join(dataDir, 'audit.log'))).size - auditBefore;
    const report = {
      sentMs: Math.round(sentMs),
      floodMs: Math.round(floodMs),
      tally,
      idleMs: idle.map(Math.round),
      duringMs: during.map(Math.round),
      ratioOfMedians: Math.round((median(during) / median(idle)) * 100) / 100,
      auditGrowthBytes: auditGrowth,
      rssBeforeKb: rssBefore,
    };
    console.log('flood', JSON.stringify(report));

    expect(sentMs).toBeLessThan(1000);
    expect(codes).toHaveLength(5000);
    expect(tally.ok ?? 0).toBe(0);
    // Password checks actually run are bounded; everything else was refused for nothing.
    expect(tally.INVALID_CREDENTIALS ?? 0).toBeLessThanOrEqual(50);
    expect((tally.BUSY ?? 0) + (tally.RATE_LIMITED ?? 0)).toBeGreaterThanOrEqual(4950);
    expect(auditGrowth).toBeLessThan(1024 * 1024);
    // Timing on a shared two-core machine is noise-prone (other work, one core on scrypt), so
    // the bound is generous: the review measured 24 ms idle → 11,673 ms under 200 logins. The
    // ratio is printed above; the counts above are what the design guarantees.
    expect(median(during)).toBeLessThan(median(idle) + 500);
  });
});
