// A staff member with their own SSH login (issue 13, "roles that hold on the server"): an admin
// adds `ana` with a key made at run time, and then, with the real OpenSSH client and ssh2
// against a real sshd, ana can use the agent with her role and nothing else: no shell, no pty,
// no forwarding, no Docker, no other user's credentials, no data dir; removing her removes both
// the Linux account and the agent user. A normal rig host; no stack is started (dry runs only).
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, type ClientChannel } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesktop } from '../../electron/src/core/desktop';
import { createMemorySecretStore } from '../../electron/src/core/profiles/secret-store';
import type { SshLink } from '../../electron/src/core/servers/ssh-link';
import { startHost, type VpsHost } from '../rig/hosts';
import { BUNDLE, RpcClient } from './agent-harness';

const VERSION_DIR = '/opt/ultrabase/agent/1.0.0';
const AGENT = `${VERSION_DIR}/agent.cjs`;
const SOCKET = '/run/ultrabase/agent.sock';
const ADMIN_PASSWORD = 'admin-password-1';
const ANA_PASSWORD = 'ana-password-1';

let host: VpsHost;
let work: string;
let anaKey: string;
let anaPublicKey: string;
let knownHosts: string;
let root: Client;
let admin: RpcClient;
const toClose: Array<() => void> = [];

function connectSsh2(username: string, privateKey: string | Buffer): Promise<Client> {
  const client = new Client();
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.connect({
      host: host.address,
      port: host.port,
      username,
      privateKey,
      hostVerifier: (key: Buffer) =>
        key.equals(Buffer.from(host.hostPublicKey.split(' ')[1]!, 'base64')),
    });
  });
}

function execChannel(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) =>
    client.exec(command, (err, channel) => (err ? reject(err) : resolve(channel))),
  );
}

/** The real OpenSSH client as ana: `ssh -i key … ana@host <args>`. */
function sshArgs(...rest: string[]): string[] {
  return [
    '-i',
    anaKey,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'LogLevel=ERROR',
    '-p',
    String(host.port),
    ...rest,
  ];
}

function sshAsAna(...rest: string[]): ChildProcessWithoutNullStreams {
  const child = spawn('ssh', sshArgs(...rest, `ana@${host.address}`), { stdio: 'pipe' });
  toClose.push(() => child.kill());
  return child;
}

/**
 * One ssh run: writes `input`, keeps stdin open until stdout matches `waitFor` (the agent drops
 * replies once its input ends) or 5 s passed, then resolves with everything printed.
 */
function sshOnce(
  extra: string[],
  remote: string[],
  input: string,
  waitFor?: RegExp,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('ssh', [...sshArgs(...extra), `ana@${host.address}`, ...remote]);
    let stdout = '';
    let stderr = '';
    const endInput = () => {
      if (!child.stdin.writableEnded) child.stdin.end();
    };
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      if (waitFor?.test(stdout)) endInput();
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdin.on('error', () => undefined);
    child.stdin.write(input);
    if (!waitFor) endInput();
    const soft = setTimeout(endInput, 5_000);
    const hard = setTimeout(() => child.kill(), 15_000);
    child.on('close', (code) => {
      clearTimeout(soft);
      clearTimeout(hard);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A root shell command inside the host, as argv (no shell), must succeed. */
async function rootRun(cmd: string[], input?: string): Promise<string> {
  const r = await host.exec(cmd, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`${cmd.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Runs argv as ana (her own groups from the host's /etc/group), without SSH. */
function asAna(cmd: string[]) {
  return host.exec(['setpriv', '--reuid=ana', '--regid=ultrabase', '--init-groups', ...cmd], {
    cwd: '/',
  });
}

async function anaSession(): Promise<RpcClient> {
  const child = sshAsAna();
  const client = new RpcClient(child.stdout, child.stdin);
  await client.login('ana', ANA_PASSWORD);
  return client;
}

/**
 * The rig binds single files over /etc/passwd, /etc/group and /etc/shadow. useradd replaces
 * those by rename, which a file bind mount refuses (EBUSY), and writes /etc/gshadow, /etc/subuid
 * and backups beside them in the machine's real /etc. So this host gets a private copy of the
 * whole /etc (with its own account files) bound over /etc in its mount namespace: useradd then
 * works as on a real server and the machine's files stay untouched.
 */
async function givePrivateEtc(): Promise<void> {
  const etc = path.join(work, 'etc');
  const copy = spawnSync('cp', ['-a', '/etc', etc]);
  if (copy.status !== 0) throw new Error(`cp /etc: ${copy.stderr.toString()}`);
  for (const file of ['passwd', 'group', 'shadow', 'hosts']) {
    await writeFile(path.join(etc, file), await rootRun(['cat', `/etc/${file}`]));
  }
  await rootRun(['mount', '--bind', etc, '/etc']);
}

beforeAll(async () => {
  host = await startHost();
  work = await mkdtemp(path.join(tmpdir(), 'ubt-staff-'));
  await givePrivateEtc();
  anaKey = path.join(work, 'ana_ed25519');
  const keygen = spawnSync('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'ana@laptop',
    '-f',
    anaKey,
  ]);
  if (keygen.status !== 0) throw new Error(`ssh-keygen: ${keygen.stderr.toString()}`);
  anaPublicKey = (await readFile(anaKey + '.pub', 'utf8')).trim();
  knownHosts = path.join(work, 'known_hosts');
  await writeFile(knownHosts, host.knownHostsLine + '\n');

  // A real server's agent makes /run/ultrabase 0750 and the bootstrap /var/lib/ultrabase 0700;
  // the rig's bound folders are 0755.
  await chmod(host.dirs.run, 0o750);
  await chmod(host.dirs.varLib, 0o700);
  // Installed the way the bootstrap installs a root agent: a 0700 version folder, a 0600 bundle.
  const versionDir = path.join(host.dirs.opt, 'agent', '1.0.0');
  await mkdir(versionDir, { recursive: true, mode: 0o700 });
  await chmod(versionDir, 0o700);
  await copyFile(BUNDLE, path.join(versionDir, 'agent.cjs'));
  await chmod(path.join(versionDir, 'agent.cjs'), 0o600);
  await rootRun(['node', AGENT, 'admin', 'create', '--username', 'admin'], `${ADMIN_PASSWORD}\n`);
  await rootRun(['sh', '-c', 'setsid node "$0" serve </dev/null >/root/agent.out 2>&1 &', AGENT]);
  for (let i = 0; ; i++) {
    if ((await host.exec(['test', '-S', SOCKET])).code === 0) break;
    if (i > 100)
      throw new Error(
        `the agent did not start: ${await readFile(path.join(host.dirs.rootHome, 'agent.out'), 'utf8')}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
  // What the agent's `socketGroup` setting does (added on the perimeter branch): the socket
  // belongs to root:ultrabase 0660. Done by hand here until that change is merged.
  await rootRun(['groupadd', '--system', 'ultrabase']);
  await rootRun(['chgrp', 'ultrabase', SOCKET]);

  root = await connectSsh2('root', host.rootPrivateKey);
  const channel = await execChannel(root, `node ${AGENT} dial`);
  admin = new RpcClient(channel, channel);
  await admin.login('admin', ADMIN_PASSWORD);
});

afterAll(async () => {
  for (const close of toClose) close();
  root?.end();
  await host?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a staff member with her own SSH login', () => {
  let shared: string;
  let bobs: string;

  it('is created by an admin: a key-only account in the ultrabase group and an agent user', async () => {
    const added = await admin.call<{
      member: { uid: number; keyFingerprint: string };
      user: { role: string };
    }>('staff.add', {
      username: 'ana',
      password: ANA_PASSWORD,
      role: 'user',
      publicKey: anaPublicKey,
    });
    expect(added.user.role).toBe('user');
    const fingerprint = spawnSync('ssh-keygen', ['-l', '-f', anaKey + '.pub']).stdout.toString();
    expect(fingerprint).toContain(added.member.keyFingerprint);

    const passwd = (await rootRun(['getent', 'passwd', 'ana'])).trim().split(':');
    expect(passwd[2]).toBe(String(added.member.uid));
    expect(passwd[6]).toBe('/bin/sh');
    expect((await rootRun(['id', '-Gn', 'ana'])).trim()).toBe('ultrabase');
    const keys = await rootRun(['cat', '/home/ana/.ssh/authorized_keys']);
    expect(keys).toMatch(
      /^restrict,command="\S+ \/opt\/ultrabase\/agent\/1\.0\.0\/agent\.cjs dial --socket \/run\/ultrabase\/agent\.sock --as ana" ssh-ed25519 /,
    );
    expect(
      await rootRun(['stat', '-c', '%U:%G %a', '/home/ana', '/home/ana/.ssh/authorized_keys']),
    ).toBe('root:root 755\nroot:root 644\n');
    // The same name again, an existing system account, an injected key: refused, nothing made.
    const again = { password: ANA_PASSWORD, role: 'user', publicKey: anaPublicKey };
    expect(await admin.codeOf('staff.add', { username: 'ana', ...again })).toBe('USER_EXISTS');
    expect(await admin.codeOf('staff.add', { username: 'daemon', ...again })).toBe(
      'ACCOUNT_EXISTS',
    );
    const injected = { ...again, publicKey: `command="/bin/sh" ${anaPublicKey}` };
    expect(await admin.codeOf('staff.add', { username: 'eve', ...injected })).toBe(
      'INVALID_PUBLIC_KEY',
    );
    const twoLines = { ...again, publicKey: `${anaPublicKey}\nssh-ed25519 AAAA x` };
    expect(await admin.codeOf('staff.add', { username: 'eve', ...twoLines })).toBe(
      'INVALID_PUBLIC_KEY',
    );
    expect(await admin.codeOf('staff.add', { username: 'eve;id', ...again })).toBe(
      'INVALID_PARAMS',
    );
    expect((await host.exec(['getent', 'passwd', 'eve'])).code).toBe(2);

    // Projects: one of bob's (an agent user without a login here), one the admin shares with ana.
    await admin.call('users.create', { username: 'bob', password: 'bob-password-1', role: 'user' });
    const sharedResult = await admin.call<{ instance: { id: string } }>('instances.create', {
      name: 'shared',
      dryRun: true,
    });
    shared = sharedResult.instance.id;
    await admin.call('users.grant', { username: 'ana', instanceId: shared });
    const bobChannel = await execChannel(root, `node ${AGENT} dial`);
    const bob = new RpcClient(bobChannel, bobChannel);
    await bob.login('bob', 'bob-password-1');
    bobs = (
      await bob.call<{ instance: { id: string } }>('instances.create', {
        name: 'bobs',
        dryRun: true,
      })
    ).instance.id;
    bob.close();
  });

  it('(a) uses the agent through the forced dial with her own role and projects', async () => {
    const ana = await anaSession();
    expect(await ana.call('auth.whoami')).toMatchObject({
      user: { username: 'ana', role: 'user' },
    });
    const own = await ana.call<{ instance: { id: string; owner: string } }>('instances.create', {
      name: 'anas',
      dryRun: true,
    });
    expect(own.instance.owner).toBe('ana');
    const listed = await ana.call<{ instances: Array<{ id: string }> }>('instances.list');
    expect(listed.instances.map((i) => i.id).sort()).toEqual([own.instance.id, shared].sort());
    expect(await ana.codeOf('instances.credentials', { id: shared })).toBe('ok');
    // (c) bob's credentials through the agent: the project does not even exist for her.
    expect(await ana.codeOf('instances.credentials', { id: bobs })).toBe('NOT_FOUND');
    expect(await ana.codeOf('instances.get', { id: bobs })).toBe('NOT_FOUND');
    expect(await ana.codeOf('users.list')).toBe('FORBIDDEN');
    expect(
      await ana.codeOf('staff.add', {
        username: 'mallory',
        password: ANA_PASSWORD,
        role: 'admin',
        publicKey: anaPublicKey,
      }),
    ).toBe('FORBIDDEN');
    expect(await ana.codeOf('staff.remove', { username: 'ana' })).toBe('FORBIDDEN');
    ana.close();
  });

  it('(a2) cannot log in as bob through her forced dial, even with his password', async () => {
    const child = sshAsAna();
    const ana = new RpcClient(child.stdout, child.stdin);
    await ana.hello();
    expect(await ana.codeOf('auth.login', { username: 'bob', password: 'bob-password-1' })).toBe(
      'FORBIDDEN',
    );
    expect(await ana.codeOf('session.bind', { username: 'bob' })).toBe('FORBIDDEN');
    expect(await ana.codeOf('users.list')).toBe('UNAUTHENTICATED');
    // Her own login on the same connection still works.
    expect(await ana.codeOf('auth.login', { username: 'ana', password: ANA_PASSWORD })).toBe('ok');
    ana.close();
    // And an admin cannot delete her agent user alone: staff.remove takes both.
    expect(await admin.codeOf('users.delete', { username: 'ana' })).toBe('INVALID_STATE');
  });

  it('(b) gets no shell: any command, a pty and sftp all run the dial instead', async () => {
    const hello =
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'session.hello',
        params: { protocol: 1, client: 'x' },
      }) + '\n';
    // `cat` of the agent's state: what comes back is the agent answering hello, not the file.
    const cat = await sshOnce([], ['cat', '/var/lib/ultrabase/state.json'], hello, /\n/);
    expect(cat.stdout).toContain('"agentVersion"');
    expect(cat.stdout).not.toContain('passwordHash');
    const sh = await sshOnce(
      [],
      ['sh', '-c', 'echo SHELL-$((40+2))'],
      'echo SHELL-$((40+2))\n',
      /\n/,
    );
    expect(sh.stdout).not.toContain('SHELL-42');
    expect(sh.stdout).toContain('PARSE_ERROR');
    // A pty is refused (restrict), and what she types still goes to the agent.
    const tty = await sshOnce(['-tt'], [], 'echo SHELL-$((40+2))\n', /PARSE_ERROR/);
    expect(tty.stderr).toMatch(/PTY allocation request failed/);
    expect(tty.stdout).not.toContain('SHELL-42');

    const ana = await connectSsh2('ana', await readFile(anaKey));
    try {
      // The subsystem request runs the dial too, which never answers SFTP's binary hello.
      const sftp = await new Promise<string>((resolve) => {
        setTimeout(() => resolve('no sftp'), 5_000);
        ana.sftp((err) => resolve(err ? 'refused' : 'opened'));
      });
      expect(sftp).not.toBe('opened');
    } finally {
      ana.end();
    }
  });

  it('(c) cannot reach the Docker socket nor read the data directory', async () => {
    const docker = await asAna([
      'node',
      '-e',
      'require("net").connect("/var/run/docker.sock").on("connect",()=>{console.log("CONNECTED");process.exit(0)}).on("error",e=>{console.log(e.code);process.exit(1)})',
    ]);
    expect(docker.stdout.trim()).toBe('EACCES');
    for (const target of [
      '/var/lib/ultrabase/state.json',
      `/var/lib/ultrabase/instances/${bobs}/secrets.json`,
    ]) {
      const r = await asAna(['cat', target]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/Permission denied/);
    }
    expect((await asAna(['ls', '/var/lib/ultrabase'])).stderr).toMatch(/Permission denied/);
    expect(await rootRun(['stat', '-c', '%U:%G %a', '/var/lib/ultrabase'])).toBe('root:root 700\n');
    // The group can traverse to the agent and its socket, not list or change the install.
    expect(
      await rootRun(['stat', '-c', '%U:%G %a', VERSION_DIR, AGENT, '/run/ultrabase', SOCKET]),
    ).toBe('root:ultrabase 710\nroot:ultrabase 640\nroot:ultrabase 710\nroot:ultrabase 660\n');
  });

  it('(d) cannot forward ports or unix sockets', async () => {
    const ana = await connectSsh2('ana', await readFile(anaKey));
    try {
      const outcome = (p: Promise<unknown>) =>
        p.then(
          () => 'allowed',
          () => 'refused',
        );
      const local = await outcome(
        new Promise((resolve, reject) =>
          ana.forwardOut('127.0.0.1', 0, '127.0.0.1', 22, (err, ch) =>
            err ? reject(err) : resolve(ch),
          ),
        ),
      );
      const streamLocal = await outcome(
        new Promise((resolve, reject) =>
          ana.openssh_forwardOutStreamLocal(SOCKET, (err, ch) => (err ? reject(err) : resolve(ch))),
        ),
      );
      const remote = await outcome(
        new Promise((resolve, reject) =>
          ana.forwardIn('127.0.0.1', 0, (err, port) => (err ? reject(err) : resolve(port))),
        ),
      );
      const remoteStream = await outcome(
        new Promise((resolve, reject) =>
          ana.openssh_forwardInStreamLocal(`/tmp/ubt-ana-${process.pid}.sock`, (err) =>
            err ? reject(err) : resolve(undefined),
          ),
        ),
      );
      expect({ local, streamLocal, remote, remoteStream }).toEqual({
        local: 'refused',
        streamLocal: 'refused',
        remote: 'refused',
        remoteStream: 'refused',
      });
    } finally {
      ana.end();
    }
    // The OpenSSH client the same way: -W (a direct-tcpip channel, what -L opens per
    // connection) to the host's own sshd is refused instead of printing its banner.
    const forward = await sshOnce(['-W', '127.0.0.1:22'], [], '', /SSH-2\.0/);
    expect(forward.stderr).toMatch(/stdio forwarding failed|administratively prohibited/);
    expect(forward.code).toBe(255);
    expect(forward.stdout).not.toContain('SSH-2.0');
  });

  it('(f) uses the real desktop core with a staff profile: connect, her projects, a dry run', async () => {
    const home = await mkdtemp(path.join(work, 'desktop-'));
    const emptyKnownHosts = path.join(home, 'known_hosts');
    await writeFile(emptyKnownHosts, '');
    const logs: string[] = [];
    const log = (m: string, f?: Record<string, unknown>) => logs.push(m + JSON.stringify(f ?? {}));
    const desktop = createDesktop({
      home,
      secrets: createMemorySecretStore(),
      // A bundle that does not exist: a staff login must never read, probe or upload one.
      agentBundlePath: path.join(home, 'no-such-agent.cjs'),
      knownHostsPath: emptyKnownHosts,
      localServer: false,
      logger: { info: log, warn: log, error: log },
    });
    try {
      const added = await desktop.addServer({
        name: 'agency',
        host: host.address,
        port: host.port,
        username: 'ana',
        auth: 'key',
        keyPath: anaKey,
        agentUsername: 'ana',
        access: 'staff',
        secrets: { agentPassword: ANA_PASSWORD },
      });
      expect(added.access).toBe('staff');
      await desktop.trustHostKey(added.id, host.hostKeyFingerprint);
      const view = await desktop.connectServer(added.id);
      expect(view).toMatchObject({ state: 'connected', user: { username: 'ana', role: 'user' } });
      const link = desktop.inspect(added.id).link as SshLink;
      expect(link.tunnel).toBe('dial');
      expect(link.bootstrap).toBeUndefined();

      const before = await desktop.listProjects(added.id);
      expect(before.map((p) => p.id)).toContain(shared);
      expect(before.map((p) => p.id)).not.toContain(bobs);
      expect(before.every((p) => p.owner === 'ana' || p.id === shared)).toBe(true);
      const created = await desktop.createProject(added.id, { name: 'from-app', dryRun: true });
      expect(created.project).toMatchObject({ owner: 'ana', status: 'created' });
      const after = await desktop.listProjects(added.id);
      expect(after.map((p) => p.id).sort()).toEqual(
        [...before.map((p) => p.id), created.project.id].sort(),
      );
      // A private project's tunnel: a clear refusal, not a browser tab that never loads.
      await expect(desktop.openProject(added.id, shared, 'studio')).rejects.toMatchObject({
        code: 'FORWARDING_REFUSED',
      });
      await expect(desktop.listUsers(added.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      // Nothing was uploaded or installed on the way: the install is still the one admin made.
      expect((await rootRun(['ls', '/opt/ultrabase/agent'])).trim()).toBe('1.0.0');
      expect(logs.join('\n')).not.toContain(ANA_PASSWORD);
    } finally {
      await desktop.close();
    }
  });

  it('(e) is removed by an admin: the agent user, her running session and the Linux account', async () => {
    const live = await anaSession();
    expect(await live.codeOf('instances.list')).toBe('ok');
    await admin.call('staff.remove', { username: 'ana' });
    await live.until(() => live.closed, 10_000);
    expect((await host.exec(['getent', 'passwd', 'ana'])).code).toBe(2);
    expect((await host.exec(['test', '-e', '/home/ana'])).code).not.toBe(0);
    const users = await admin.call<{ users: Array<{ username: string }> }>('users.list');
    expect(users.users.map((u) => u.username)).toEqual(['admin', 'bob']);
    expect(await admin.call('staff.list')).toEqual({ staff: [] });
    const denied = await sshOnce([], [], '');
    expect(denied.stderr).toMatch(/Permission denied/);
    expect(await admin.codeOf('staff.remove', { username: 'ana' })).toBe('NOT_FOUND');
    expect(await admin.codeOf('staff.remove', { username: 'root' })).toBe('NOT_FOUND');
  });
});
