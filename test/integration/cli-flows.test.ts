// The `ultrabase` CLI (dist/cli/ultrabase.cjs) as a person or a script uses it: real processes,
// real throwaway servers, the real keychain. Secrets go in on stdin only.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, stopAllHosts, type VpsHost } from '../rig/hosts';
import { build, BUNDLE, CLI } from './core-helpers';

const AGENT_PASSWORD = 'cli-admin-Secret-2718';
const USER_PASSWORD = 'alice-Secret-3141';

let home: string;
let env: NodeJS.ProcessEnv;
let a: VpsHost;
let c: VpsHost;
const transcripts: string[] = [];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: <T = JsonOut>() => T;
}

type JsonOut = Record<string, unknown> & {
  error?: { code: string; data?: Record<string, unknown> };
};

function cli(args: string[], stdin = '', extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [CLI, ...args], {
      env: { ...env, ...extraEnv },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      transcripts.push(stdout, stderr);
      resolve({
        code: code ?? -1,
        stdout,
        stderr,
        json: <T>() => JSON.parse(stdout) as T,
      });
    });
    child.stdin.end(stdin);
  });
}

beforeAll(async () => {
  build('agent');
  build('cli');
  home = mkdtempSync(path.join(tmpdir(), 'ub-cli-'));
  const bundle = path.join(home, 'agent.cjs');
  copyFileSync(BUNDLE, bundle);
  writeFileSync(path.join(home, 'known_hosts'), '');
  env = {
    ...process.env,
    ULTRABASE_HOME: path.join(home, 'settings'),
    ULTRABASE_AGENT_BUNDLE: bundle,
    ULTRABASE_KNOWN_HOSTS: path.join(home, 'known_hosts'),
  };
  a = await startHost();
  c = await startHost({ behind: a });
});

afterAll(async () => {
  await stopAllHosts();
});

describe('ultrabase CLI', () => {
  it('adds a server with the agent password from stdin', async () => {
    const r = await cli(
      [
        'servers',
        'add',
        'web',
        '--host',
        a.address,
        '--key',
        a.rootKeyPath,
        '--agent-password-stdin',
        '--json',
      ],
      AGENT_PASSWORD + '\n',
    );
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ name: 'web', auth: 'key', secrets: { agentPassword: true } });
    const dup = await cli(['servers', 'add', 'web', '--host', a.address, '--json']);
    expect(dup.code).toBe(1);
    expect(dup.json().error?.code).toBe('SERVER_EXISTS');
  });

  it('refuses to connect before the host key is trusted, and trust checks the fingerprint', async () => {
    const r = await cli(['connect', 'web', '--json']);
    expect(r.code).toBe(1);
    expect(r.json().error).toMatchObject({
      code: 'HOST_KEY_UNKNOWN',
      data: { fingerprint: a.hostKeyFingerprint },
    });
    expect(r.stderr).toContain('error HOST_KEY_UNKNOWN');
    // No terminal to confirm on and no --fingerprint: nothing is trusted.
    expect((await cli(['servers', 'trust', 'web', '--json'])).code).toBe(1);
    const wrong = await cli([
      'servers',
      'trust',
      'web',
      '--fingerprint',
      'SHA256:' + 'B'.repeat(43),
      '--json',
    ]);
    expect(wrong.json().error?.code).toBe('HOST_KEY_MISMATCH');
    const ok = await cli([
      'servers',
      'trust',
      'web',
      '--fingerprint',
      a.hostKeyFingerprint,
      '--json',
    ]);
    expect(ok.code).toBe(0);
    expect(ok.json()).toMatchObject({ hostKey: { fingerprint: a.hostKeyFingerprint } });
  });

  it('connects (bootstrapping the agent) and manages projects', async () => {
    const r = await cli(['connect', 'web', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({
      state: 'connected',
      user: { username: 'admin', role: 'admin' },
    });
    const created = await cli(['projects', 'create', 'web', 'shop', '--dry-run', '--json']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.json()).toMatchObject({ project: { name: 'shop', serverName: 'web' } });
    const list = await cli(['projects', 'list', '--json']);
    expect(list.code).toBe(0);
    const { projects } = list.json() as unknown as {
      projects: Array<{ name: string; serverName: string }>;
    };
    expect(projects.map((p) => `${p.serverName}/${p.name}`)).toContain('web/shop');
    const human = await cli(['projects', 'list', '--server', 'web']);
    expect(human.stdout).toMatch(/^SERVER\s+NAME/);
    expect(human.stdout).toContain('shop');
    const bad = await cli(['projects', 'create', 'web', 'bad/name', '--dry-run', '--json']);
    expect(bad.code).toBe(1);
    expect(bad.json().error?.code).toBe('INVALID_NAME');
  });

  it('manages agent users with passwords from stdin', async () => {
    const created = await cli(
      ['users', 'create', 'web', 'alice', '--role', 'user', '--password-stdin', '--json'],
      USER_PASSWORD + '\n',
    );
    expect(created.code, created.stderr).toBe(0);
    const granted = await cli(['users', 'grant', 'web', 'alice', 'shop', '--json']);
    expect(granted.code, granted.stderr).toBe(0);
    expect(granted.json<{ grants: string[] }>().grants).toHaveLength(1);
    const users = await cli(['users', 'list', 'web', '--json']);
    expect(
      users
        .json<Array<{ username: string }>>()
        .map((u) => u.username)
        .sort(),
    ).toEqual(['admin', 'alice']);
  });

  it('reaches a server through a jump host', async () => {
    const add = await cli(
      [
        'servers',
        'add',
        'inner',
        '--host',
        c.address,
        '--key',
        c.rootKeyPath,
        '--jump',
        'web',
        '--agent-password-stdin',
      ],
      AGENT_PASSWORD + '\n',
    );
    expect(add.code, add.stderr).toBe(0);
    expect(
      (await cli(['servers', 'trust', 'inner', '--fingerprint', c.hostKeyFingerprint])).code,
    ).toBe(0);
    const created = await cli(['projects', 'create', 'inner', 'behind', '--dry-run', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const list = await cli(['projects', 'list', '--json']);
    const { projects } = list.json() as unknown as {
      projects: Array<{ name: string; serverName: string }>;
    };
    expect(projects.map((p) => `${p.serverName}/${p.name}`).sort()).toEqual([
      'inner/behind',
      'web/shop',
    ]);
  });

  it('replaces a changed host key only with --replace-pinned-key, never with --fingerprint alone', async () => {
    const old = c.hostKeyFingerprint;
    await c.regenerateHostKey();
    const presented = c.hostKeyFingerprint;
    expect(presented).not.toBe(old);
    const pinnedKey = async () =>
      (await cli(['servers', 'list', '--json']))
        .json<Array<{ name: string; hostKey?: { fingerprint: string } }>>()
        .find((s) => s.name === 'inner')?.hostKey?.fingerprint;

    const quiet = await cli(['servers', 'trust', 'inner', '--fingerprint', presented, '--json']);
    expect(quiet.code).toBe(1);
    expect(quiet.json().error).toMatchObject({
      code: 'HOST_KEY_CHANGED',
      data: { expected: old, actual: presented },
    });
    expect(await pinnedKey()).toBe(old);

    const asked = await cli(['servers', 'trust', 'inner']);
    expect(asked.code).toBe(1);
    expect(asked.stderr).toContain(old);
    expect(asked.stderr).toContain(presented);
    expect(asked.stderr).toContain('--replace-pinned-key');
    expect(await pinnedKey()).toBe(old);

    const replaced = await cli([
      'servers',
      'trust',
      'inner',
      '--replace-pinned-key',
      '--fingerprint',
      presented,
      '--json',
    ]);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(await pinnedKey()).toBe(presented);
    expect((await cli(['projects', 'list', '--server', 'inner', '--json'])).code).toBe(0);
  });

  it('speaks pt-BR to people when LANG says so, and --json stays byte for byte the same', async () => {
    const pt = { LANG: 'pt_BR.UTF-8', LC_ALL: '', LC_MESSAGES: '' };
    const plain = { LANG: 'C', LC_ALL: '', LC_MESSAGES: '' };
    const human = await cli(['servers', 'list'], '', pt);
    expect(human.stdout).toMatch(/^NOME\s+ID\s+HOST\s+USUÁRIO/);
    const missing = await cli(['servers', 'remove', 'nope'], '', pt);
    expect(missing.stderr).toContain('erro SERVER_NOT_FOUND: Não existe servidor chamado "nope"');
    for (const args of [
      ['servers', 'list', '--json'],
      ['users', 'list', 'web', '--json'],
      ['servers', 'remove', 'nope', '--json'],
      ['projects', 'create', 'web', 'bad/name', '--dry-run', '--json'],
    ]) {
      const [inC, inPt] = [await cli(args, '', plain), await cli(args, '', pt)];
      expect(inC.stdout.length, args.join(' ')).toBeGreaterThan(0);
      expect(inPt.stdout, args.join(' ')).toBe(inC.stdout);
    }
  });

  it('refuses unknown flags, values on switches and secrets given as flag values', async () => {
    const secret = 'hunter2-' + 'x'.repeat(8);
    for (const args of [
      ['servers', 'add', 'leak', '--host', a.address, '--agent-password', secret],
      ['servers', 'add', 'leak', '--host', a.address, '--password=' + secret],
      ['servers', 'add', 'leak', '--host', a.address, '--frobnicate'],
      ['servers', 'add', 'leak', '--host', a.address, '--ssh-agent=yes'],
    ]) {
      const r = await cli([...args, '--json']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
    const names = (await cli(['servers', 'list', '--json']))
      .json<Array<{ name: string }>>()
      .map((s) => s.name);
    expect(names).not.toContain('leak');
  });

  it('imports hosts from an ssh config file and removes servers', async () => {
    const file = path.join(home, 'ssh_config');
    writeFileSync(
      file,
      `Host staging\n  HostName 203.0.113.5\n  User deploy\n  Port 2222\n  IdentityFile ~/.ssh/id_ed25519\n`,
    );
    const r = await cli(['servers', 'import-ssh-config', file, '--json']);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({
      added: [
        { name: 'staging', host: '203.0.113.5', port: 2222, username: 'deploy', auth: 'key' },
      ],
    });
    expect((await cli(['servers', 'remove', 'staging'])).code).toBe(0);
    const gone = await cli(['servers', 'remove', 'staging', '--json']);
    expect(gone.json().error?.code).toBe('SERVER_NOT_FOUND');
  });

  it('deletes a project, answers usage errors with exit 2, and never shows a secret', async () => {
    const del = await cli(['projects', 'delete', 'web', 'shop', '--json']);
    expect(del.code, del.stderr).toBe(0);
    expect((await cli(['projects', 'frobnicate'])).code).toBe(2);
    const settings = readFileSync(path.join(home, 'settings', 'settings.json'), 'utf8');
    for (const text of [settings, ...transcripts]) {
      expect(text).not.toContain(AGENT_PASSWORD);
      expect(text).not.toContain(USER_PASSWORD);
    }
  });
});
