// Smoke tests of the throwaway VPS hosts: real sshd, real ssh2 client, host keys verified the
// way the product verifies them (SHA-256 fingerprint of the presented key).
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { Client, utils, type ConnectConfig } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanStaleHosts,
  encodeOpenSshEd25519,
  fingerprintOf,
  startHost,
  startHosts,
  type VpsHost,
} from './hosts';

interface SshTarget {
  host: string;
  port: number;
  fingerprint: string;
  sock?: Duplex;
}

function fingerprintOfBlob(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

function connectSsh(
  target: SshTarget,
  auth: Pick<ConnectConfig, 'username' | 'privateKey' | 'password'>,
): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.connect({
      host: target.host,
      port: target.port,
      sock: target.sock,
      ...auth,
      readyTimeout: 10_000,
      hostVerifier: (key: Buffer) => fingerprintOfBlob(key) === target.fingerprint,
    });
  });
}

function targetOf(host: VpsHost): SshTarget {
  return { host: host.address, port: host.port, fingerprint: host.hostKeyFingerprint };
}

function sshExec(client: Client, command: string): Promise<{ stdout: string; code: number }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      let stdout = '';
      let code = -1;
      stream.on('data', (b: Buffer) => (stdout += b.toString()));
      stream.stderr.on('data', () => undefined);
      stream.on('exit', (c: number | null) => (code = c ?? -1));
      stream.on('close', () => resolve({ stdout, code }));
    });
  });
}

function forwardOut(client: Client, host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) =>
    client.forwardOut('127.0.0.1', 0, host, port, (err, stream) =>
      err ? reject(err) : resolve(stream),
    ),
  );
}

function ourNamespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'])
    .toString()
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`ubt-${process.pid}-`));
}

describe('throwaway VPS hosts', () => {
  const started: VpsHost[] = [];
  let a: VpsHost;
  let b: VpsHost;

  beforeAll(async () => {
    const t0 = performance.now();
    [a, b] = (await startHosts(2, { user: true })) as [VpsHost, VpsHost];
    started.push(a, b);
    console.log(`two hosts started in ${Math.round(performance.now() - t0)} ms`);
  });

  afterAll(async () => {
    await Promise.all(started.map((h) => h.stop()));
  });

  it('runs a command on each of two hosts over ssh2, verifying the host key', async () => {
    expect(a.address).not.toBe(b.address);
    expect(a.hostKeyFingerprint).not.toBe(b.hostKeyFingerprint);
    expect(fingerprintOf(a.hostPublicKey)).toBe(a.hostKeyFingerprint);
    // The fingerprint format is OpenSSH's own.
    const keygen = execFileSync('ssh-keygen', ['-lf', '-'], { input: a.hostPublicKey });
    expect(keygen.toString()).toContain(a.hostKeyFingerprint);

    for (const [host, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const nonce = randomBytes(8).toString('hex');
      const file = `marker-${host.name}`;
      const client = await connectSsh(targetOf(host), {
        username: 'root',
        privateKey: host.rootPrivateKey,
      });
      try {
        const r = await sshExec(
          client,
          `hostname; ip -4 -o addr show dev eth0; echo ${nonce} > /var/lib/ultrabase/${file}`,
        );
        expect(r.code).toBe(0);
        expect(r.stdout).toContain(host.name);
        expect(r.stdout).toContain(`inet ${host.address}/30`);
      } finally {
        client.end();
      }
      expect(readFileSync(join(host.dirs.varLib, file), 'utf8').trim()).toBe(nonce);
      expect(existsSync(join(other.dirs.varLib, file))).toBe(false);
      expect(existsSync(join('/var/lib/ultrabase', file))).toBe(false);
      const seenByOther = await other.exec(['cat', `/var/lib/ultrabase/${file}`]);
      expect(seenByOther.code).not.toBe(0);
    }
  });

  it('reaches the root namespace from inside a host at its gateway address', async () => {
    const server = createServer((s) => s.end('from the root namespace\n'));
    await new Promise<void>((ok) => server.listen(0, '0.0.0.0', ok));
    try {
      const { port } = server.address() as AddressInfo;
      const script = `require('net').connect(${port}, process.argv[1]).pipe(process.stdout)`;
      const r = await a.exec(['node', '-e', script, a.gateway], { timeoutMs: 10_000 });
      expect(r.stdout).toBe('from the root namespace\n');
    } finally {
      server.close();
    }
  });

  it('rejects a host whose key does not match the expected fingerprint', async () => {
    const wrong = { ...targetOf(a), fingerprint: b.hostKeyFingerprint };
    await expect(
      connectSsh(wrong, { username: 'root', privateKey: a.rootPrivateKey }),
    ).rejects.toThrow(/verification failed/i);
  });

  it('lets the ordinary user in with its password and its key, in group docker', async () => {
    const user = a.user;
    if (!user) throw new Error('host a has no user');
    const byPassword = await connectSsh(targetOf(a), {
      username: user.name,
      password: user.password,
    });
    try {
      const r = await sshExec(byPassword, 'id -un; id -Gn; echo $HOME; echo $XDG_RUNTIME_DIR');
      expect(r.stdout.split('\n').slice(0, 4)).toEqual([
        user.name,
        expect.stringContaining('docker'),
        user.home,
        `/run/user/${user.uid}`,
      ]);
    } finally {
      byPassword.end();
    }
    await expect(
      connectSsh(targetOf(a), { username: user.name, password: 'not-the-password' }),
    ).rejects.toThrow(/authentication/i);
    const byKey = await connectSsh(targetOf(a), {
      username: user.name,
      privateKey: user.privateKey,
    });
    byKey.end();
    // Root never logs in with a password.
    await expect(
      connectSsh(targetOf(a), { username: 'root', password: user.password }),
    ).rejects.toThrow(/authentication/i);
  });

  it('reaches a host behind a jump host only through that jump host', async () => {
    const behind = await startHost({ behind: a });
    started.push(behind);
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const sock = netConnect(behind.port, behind.address);
      sock.once('connect', () => resolve(Object.assign(new Error('connected'), { code: 'OK' })));
      sock.once('error', resolve);
      sock.setTimeout(5000, () => resolve(Object.assign(new Error('timeout'), { code: 'TO' })));
    });
    expect(error.code).toMatch(/EHOSTUNREACH|ENETUNREACH/);

    const jump = await connectSsh(targetOf(a), { username: 'root', privateKey: a.rootPrivateKey });
    try {
      const sock = await forwardOut(jump, behind.address, behind.port);
      const inner = await connectSsh(
        { ...targetOf(behind), sock },
        { username: 'root', privateKey: behind.rootPrivateKey },
      );
      const r = await sshExec(inner, 'hostname');
      expect(r.stdout.trim()).toBe(behind.name);
      inner.end();
    } finally {
      jump.end();
    }
  });

  it('hides node on a host started withoutNode', async () => {
    const bare = await startHost({ withoutNode: true });
    started.push(bare);
    const r = await bare.exec(['node', '--version']);
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/not found/);
    // …while the other hosts still have it.
    const withNode = await a.exec(['node', '--version']);
    expect(withNode.stdout).toMatch(/^v\d+/);
  });

  it('refuses unix-socket forwarding when told to, and allows it by default', async () => {
    const strict = await startHost({ allowStreamLocalForwarding: false });
    started.push(strict);
    for (const [host, allowed] of [
      [strict, false],
      [a, true],
    ] as const) {
      // Something listens on the socket, so only sshd's policy can refuse the forward.
      await serveHelloOnUnixSocket(host, 'probe.sock');
      const client = await connectSsh(targetOf(host), {
        username: 'root',
        privateKey: host.rootPrivateKey,
      });
      try {
        const outcome = await new Promise<string>((resolve) =>
          client.openssh_forwardOutStreamLocal('/run/ultrabase/probe.sock', (err, stream) => {
            if (err) return resolve(`refused: ${err.message}`);
            stream.once('data', (b: Buffer) => resolve(b.toString()));
            stream.once('close', () => resolve('closed'));
          }),
        );
        if (allowed) expect(outcome).toBe('hello\n');
        else expect(outcome).toMatch(/^refused/);
      } finally {
        client.end();
      }
    }
  });

  it('changes its host key on demand, so the old fingerprint no longer matches', async () => {
    const before = b.hostKeyFingerprint;
    await b.regenerateHostKey();
    expect(b.hostKeyFingerprint).not.toBe(before);
    await expect(
      connectSsh(
        { ...targetOf(b), fingerprint: before },
        {
          username: 'root',
          privateKey: b.rootPrivateKey,
        },
      ),
    ).rejects.toThrow(/verification failed/i);
    const client = await connectSsh(targetOf(b), {
      username: 'root',
      privateKey: b.rootPrivateKey,
    });
    client.end();
  });

  it('gives a dockerView host the machine’s loopback and makes its folders visible to dockerd', async () => {
    const view = await startHost({ dockerView: true });
    started.push(view);
    expect(view.address).toBe('127.0.0.1');
    expect(view.netns).toBeUndefined();
    const client = await connectSsh(targetOf(view), {
      username: 'root',
      privateKey: view.rootPrivateKey,
    });
    try {
      const r = await sshExec(client, 'hostname; echo seen > /var/lib/ultrabase/view');
      expect(r.stdout.trim()).toBe(view.name);
    } finally {
      client.end();
    }
    // dockerd resolves bind mounts in the root mount namespace, which is this process's.
    expect(readFileSync('/var/lib/ultrabase/view', 'utf8')).toBe('seen\n');
    await view.stop();
    expect(existsSync('/var/lib/ultrabase/view')).toBe(false);
  });

  it('writes keys OpenSSH and ssh2 both read, also when the public key starts with a zero', async () => {
    // ssh2's own ed25519 keygen gets exactly this case wrong (mscdex/ssh2#1390).
    let key: { seed: Buffer; pub: Buffer } | undefined;
    while (!key) {
      const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
      const pub = Buffer.from(jwk.x ?? '', 'base64url');
      if (pub[0] === 0) key = { seed: Buffer.from(jwk.d ?? '', 'base64url'), pub };
    }
    const encoded = encodeOpenSshEd25519(key.seed, key.pub, 'zero@rig');
    const dir = mkdtempSync(join(tmpdir(), 'ubt-key-'));
    try {
      writeFileSync(join(dir, 'id'), encoded.privateKey, { mode: 0o600 });
      const derived = execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'id')]);
      expect(derived.toString().trim()).toBe(encoded.publicKey);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const parsed = utils.parseKey(encoded.privateKey);
    if (parsed instanceof Error) throw parsed;
    expect(
      parsed.getPublicSSH().equals(Buffer.from(encoded.publicKey.split(' ')[1] ?? '', 'base64')),
    ).toBe(true);
  });

  it('tears everything down, and removes what a crashed run left', async () => {
    const names = started.map((h) => h.netns).filter(Boolean);
    const dirs = started.map((h) => h.tempDir);
    expect(ourNamespaces().length).toBeGreaterThan(0);
    await Promise.all(started.map((h) => h.stop()));
    expect(ourNamespaces()).toEqual([]);
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
    const links = execFileSync('ip', ['-o', 'link']).toString();
    for (const n of names) expect(links).not.toContain(`${n}`);
    await expect(a.exec(['true'])).rejects.toThrow(/stopped/);

    // A namespace and folder named after a process that no longer exists.
    const deadPid = 4_000_000 + Math.floor(Math.random() * 100_000);
    const staleNs = `ubt-${deadPid}-1-abcdef`;
    execFileSync('ip', ['netns', 'add', staleNs]);
    const staleDir = mkdtempSync(join(tmpdir(), `ubt-host-${deadPid}-`));
    cleanStaleHosts();
    expect(execFileSync('ip', ['netns', 'list']).toString()).not.toContain(staleNs);
    expect(existsSync(staleDir)).toBe(false);
  });
});

/** Serves "hello\n" once on /run/ultrabase/<name> inside the host, for up to 10 s. */
async function serveHelloOnUnixSocket(host: VpsHost, name: string): Promise<void> {
  const script = "require('net').createServer((s) => s.end('hello\\n')).listen(process.argv[1]);";
  void host.exec(['timeout', '10', 'node', '-e', script, `/run/ultrabase/${name}`]);
  for (let i = 0; i < 500 && !existsSync(join(host.dirs.run, name)); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  if (!existsSync(join(host.dirs.run, name))) throw new Error('the socket server did not start');
}
