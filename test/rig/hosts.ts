// Throwaway "VPS" hosts for integration tests: each is Debian's own sshd, started by the test,
// in a network namespace of its own (`ip netns`, a veth link, a 10.213.x.y/30 subnet) and a
// private mount + UTS namespace in which fresh folders are bound over the agent's directories
// (/opt/ultrabase, /var/lib/ultrabase, /run/ultrabase, /etc/ultrabase), /root, /home,
// /run/user and the cron spool (/var/spool/cron: the agent's boot line), and private copies of /etc/passwd, /etc/shadow, /etc/group and /etc/hosts. Two hosts therefore
// never share agent state, accounts or host names, and the machine's real files stay untouched.
//
// What a host shares with the machine, on purpose or because it cannot be otherwise:
// - Docker. /var/run/docker.sock is the machine's one engine. A container started from inside a
//   host runs in the ROOT namespaces, so:
//   * ports it publishes listen in the root network namespace. Inside the host, 127.0.0.1 is the
//     host's own loopback (processes started through ssh live in the host's netns), so a probe
//     of 127.0.0.1:<published port> from inside the host does NOT reach the container; the root
//     namespace is reachable from inside the host at `host.gateway`.
//   * dockerd resolves bind-mount paths (compose `volumes: ./x:/y`) in the ROOT mount namespace,
//     so it sees the machine's /var/lib/ultrabase, not the host's private one.
//   A host started with `dockerView: true` removes both gaps for the one test that needs them
//   (an agent creating real stacks): its sshd listens on 127.0.0.1 in the root network
//   namespace, and its agent folders are also bound over the machine's real paths. Only one such
//   host can exist on the machine at a time: a second one waits (up to 5 minutes) for the first.
// - /tmp, /usr, node and every other file that is not bound over.
//
// Teardown kills every process in the host's namespaces by pid, deletes the namespace (which
// deletes the veth pair) and the temp folder, also from process 'exit', SIGINT and SIGTERM
// handlers. Namespaces and folders carry the pid of the process that made them, so the next run
// removes what a crashed (SIGKILLed) run left, without touching a concurrent run's hosts.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, generateKeyPair, randomBytes, randomInt } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import {
  chmod,
  chown,
  mkdir,
  mkdtemp,
  open,
  readFile,
  realpath,
  rm,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:net';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface HostOptions {
  /** Host name inside the host (its UTS namespace); default `vps-<n>`. */
  name?: string;
  /** Also create an ordinary account (password and key login, member of group docker). */
  user?: boolean | string;
  /** Default true; false makes sshd refuse unix-socket forwarding (tests of the agent's `dial`). */
  allowStreamLocalForwarding?: boolean;
  /** Hide node inside the host: a stub bound over the node binaries exits 127 "not found". */
  withoutNode?: boolean;
  /** Reachable only from inside that host's network namespace (jump-host tests). */
  behind?: VpsHost;
  /** Password logins; default true when `user` is set, else false (root never has a password). */
  passwordAuth?: boolean;
  /** See the comment at the top of this file. Not combinable with `behind`. */
  dockerView?: boolean;
  /** Port sshd listens on; default 22 (a random free port with `dockerView`). */
  port?: number;
  /** Extra sshd_config keywords, applied over the defaults (e.g. `{ MaxSessions: '2' }`). */
  sshdOptions?: SshdOptions;
}

export type SshdOptions = Record<string, string>;

export interface HostUser {
  name: string;
  uid: number;
  gid: number;
  password: string;
  home: string;
  keyPath: string;
  privateKey: string;
  publicKey: string;
}

/** The real folders bound over the host's paths; read and write them from the test directly. */
export interface HostDirs {
  /** Bound over /opt/ultrabase. */
  opt: string;
  /** Bound over /var/lib/ultrabase. */
  varLib: string;
  /** Bound over /run/ultrabase. */
  run: string;
  /** Bound over /etc/ultrabase. */
  etc: string;
  /** Bound over /root. */
  rootHome: string;
  /** Bound over /home (the ordinary user's home is `<home>/<name>`). */
  home: string;
  /** Bound over /run/user: the ordinary user's XDG_RUNTIME_DIR is `/run/user/<uid>`. */
  runUser: string;
  /** Bound over /var/spool/cron: a host's crontabs are its own, never the machine's. */
  cronSpool: string;
}

export interface ExecOptions {
  /** Run as the host's ordinary user (true) or as the named account instead of root. */
  user?: boolean | string;
  input?: string | Buffer;
  /** Added to the clean login-like environment (PATH, HOME, USER, LOGNAME, LANG). */
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit status, or 128 + signal number when the command was killed. */
  code: number;
}

export interface VpsHost {
  readonly name: string;
  /** sshd's address; from the root namespace unless `behind` (then from inside the jump host). */
  readonly address: string;
  readonly port: number;
  /** The root namespace's (or jump host's) side of the veth, as seen from inside the host. */
  readonly gateway: string;
  /** `ip netns` name; undefined for a `dockerView` host, which uses the root namespace. */
  readonly netns: string | undefined;
  readonly jumpHost: VpsHost | undefined;
  /** 'SHA256:…' as OpenSSH prints it; changes after regenerateHostKey(). */
  readonly hostKeyFingerprint: string;
  /** OpenSSH one-line public key ("ssh-ed25519 AAAA…"). */
  readonly hostPublicKey: string;
  /** A line for ~/.ssh/known_hosts naming this host's address and port. */
  readonly knownHostsLine: string;
  readonly rootKeyPath: string;
  readonly rootPrivateKey: string;
  readonly rootPublicKey: string;
  readonly user: HostUser | undefined;
  readonly dirs: HostDirs;
  readonly tempDir: string;
  readonly sshdLogPath: string;
  readonly sshdPid: number;
  /** Runs a command (argument array, no shell) inside the host's namespaces, as root by default. */
  exec(cmd: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Merges keywords into sshd_config and restarts sshd; open sessions survive. */
  setSshdOptions(options: SshdOptions): Promise<void>;
  restartSshd(): Promise<void>;
  /** A new host key and an sshd restart: what a client sees as "host key changed". */
  regenerateHostKey(): Promise<void>;
  readonly stopped: boolean;
  stop(options?: StopOptions): Promise<void>;
}

export interface StopOptions {
  /**
   * Leave the temp folder (and so the host's agent folders) on disk: containers the host's agent
   * started keep running on the machine's engine after the host is gone, and their bind mounts
   * point into it. The caller removes `tempDir` itself once those containers are gone.
   */
  keepFiles?: boolean;
}

const generateKeyPairAsync = promisify(generateKeyPair);

const AGENT_DIRS = {
  opt: '/opt/ultrabase',
  varLib: '/var/lib/ultrabase',
  run: '/run/ultrabase',
  etc: '/etc/ultrabase',
} as const;
const ROOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const USER_PATH = '/usr/local/bin:/usr/bin:/bin';
const SUBNET_PREFIX = '10.213';
const SSHD_START_TIMEOUT_MS = 10_000;
const HOLDER_MNTNS_FILE = 'holder-mntns';
const NODE_STUB = '#!/bin/sh\necho "sh: 1: node: not found" >&2\nexit 127\n';

// The holder is PID "1" of a host's mount and UTS namespaces: it makes the bind mounts, says
// "ready" and sleeps, so sshd can be restarted without losing the namespaces. Paths arrive as
// positional arguments; no caller text is ever spliced into this script.
const HOLDER_SCRIPT = [
  'set -eu',
  'printf "%s" "$1" > /proc/sys/kernel/hostname',
  'shift',
  'while [ "$#" -gt 1 ]; do mount --bind "$1" "$2"; shift 2; done',
  'echo ready',
  'exec sleep infinity',
].join('\n');

let hostSeq = 0;
const liveHosts = new Set<RigHost>();
const usedBlocks = new Set<number>();
let preparation: Promise<void> | undefined;
// `ip netns add` sets up /run/netns on first use; concurrent first calls can race, so network
// changes from this process go one at a time (they take a few milliseconds).
let networkQueue: Promise<unknown> = Promise.resolve();

/** Starts `n` hosts at once with the same options (each gets its own name, keys and folders). */
export async function startHosts(n: number, opts: HostOptions = {}): Promise<VpsHost[]> {
  if (opts.dockerView && n > 1) throw new Error('startHosts: only one dockerView host at a time');
  return Promise.all(Array.from({ length: n }, () => startHost(opts)));
}

export async function startHost(opts: HostOptions = {}): Promise<VpsHost> {
  if (opts.dockerView && opts.behind) throw new Error('startHost: dockerView excludes behind');
  preparation ??= prepareMachine();
  await preparation;
  const seq = ++hostSeq;
  const tempDir = await mkdtemp(join(tmpdir(), `ubt-host-${process.pid}-`));
  const host = new RigHost(seq, tempDir, opts);
  liveHosts.add(host);
  try {
    await host.start();
  } catch (err) {
    await host.stop().catch(() => undefined);
    throw err;
  }
  return host;
}

/** Stops every host this process started (for afterAll hooks that lost track). */
export async function stopAllHosts(): Promise<void> {
  await Promise.all([...liveHosts].map((h) => h.stop()));
}

class RigHost implements VpsHost {
  readonly name: string;
  readonly netns: string | undefined;
  readonly jumpHost: VpsHost | undefined;
  readonly tempDir: string;
  readonly dirs: HostDirs;
  readonly sshdLogPath: string;
  readonly rootKeyPath: string;
  address = '';
  port: number;
  gateway = '';
  hostKeyFingerprint = '';
  hostPublicKey = '';
  rootPrivateKey = '';
  rootPublicKey = '';
  user: HostUser | undefined;
  sshdPid = 0;
  stopped = false;

  private readonly opts: HostOptions;
  private readonly sshDir: string;
  private readonly vethOuter: string;
  private readonly sshdOverrides: SshdOptions;
  private subnetBlock: number | undefined;
  private holderPid = 0;
  private holderMntNs = '';
  private machineBinds: string[] = [];
  private holdsDockerViewLock = false;
  private stopping: Promise<void> | undefined;

  constructor(seq: number, tempDir: string, opts: HostOptions) {
    const tag = randomBytes(3).toString('hex');
    this.opts = opts;
    this.name = opts.name ?? `vps-${seq}`;
    this.tempDir = tempDir;
    this.netns = opts.dockerView ? undefined : `ubt-${process.pid}-${seq}-${tag}`;
    this.vethOuter = `ubt${tag}`;
    this.jumpHost = opts.behind;
    this.port = opts.port ?? (opts.dockerView ? 0 : 22);
    this.sshDir = join(tempDir, 'ssh');
    this.sshdLogPath = join(this.sshDir, 'sshd.log');
    this.rootKeyPath = join(tempDir, 'keys', 'root_ed25519');
    const fs = join(tempDir, 'fs');
    this.dirs = {
      opt: join(fs, 'opt'),
      varLib: join(fs, 'var-lib'),
      run: join(fs, 'run'),
      etc: join(fs, 'etc'),
      rootHome: join(fs, 'root'),
      home: join(fs, 'home'),
      runUser: join(fs, 'run-user'),
      cronSpool: join(fs, 'cron'),
    };
    this.sshdOverrides = {
      AllowStreamLocalForwarding: opts.allowStreamLocalForwarding === false ? 'no' : 'yes',
      PasswordAuthentication: (opts.passwordAuth ?? Boolean(opts.user)) ? 'yes' : 'no',
      ...opts.sshdOptions,
    };
  }

  get knownHostsLine(): string {
    const where = this.port === 22 ? this.address : `[${this.address}]:${this.port}`;
    return `${where} ${this.hostPublicKey}`;
  }

  async start(): Promise<void> {
    // The temp root must be traversable: sshd reads an ordinary user's authorized_keys as that
    // user. Private keys live in keys/ (0700).
    await chmod(this.tempDir, 0o755);
    await mkdir(this.sshDir, { mode: 0o755 });
    await mkdir(join(this.sshDir, 'authorized_keys'), { mode: 0o755 });
    await mkdir(join(this.tempDir, 'keys'), { mode: 0o700 });
    await mkdir(join(this.tempDir, 'etc-files'), { mode: 0o755 });
    for (const [key, dir] of Object.entries(this.dirs)) {
      await mkdir(dir, { recursive: true, mode: key === 'rootHome' ? 0o700 : 0o755 });
    }
    await chmod(this.dirs.rootHome, 0o700);
    // As Debian's cron package makes it: crontab (setgid crontab) writes users' files here.
    const crontabs = join(this.dirs.cronSpool, 'crontabs');
    await mkdir(crontabs, { mode: 0o1730 });
    await chmod(crontabs, 0o1730);
    const crontabGroup = /^crontab:[^:]*:(\d+):/m.exec(await readFile('/etc/group', 'utf8'));
    if (crontabGroup) await chown(crontabs, 0, Number(crontabGroup[1]));

    const userName =
      typeof this.opts.user === 'string' ? this.opts.user : this.opts.user ? 'deploy' : undefined;
    const [, rootKey, userKey] = await Promise.all([
      this.generateHostKey(),
      generateKey(this.rootKeyPath, `root@${this.name}`),
      userName
        ? generateKey(join(this.tempDir, 'keys', `${userName}_ed25519`), `${userName}@${this.name}`)
        : undefined,
    ]);
    this.rootPrivateKey = rootKey.privateKey;
    this.rootPublicKey = rootKey.publicKey;
    await writeFile(join(this.sshDir, 'authorized_keys', 'root'), rootKey.publicKey + '\n', {
      mode: 0o644,
    });
    if (userName && userKey) await this.createUser(userName, userKey);
    await this.writeEtcFiles();

    if (this.netns) await this.createNetwork();
    else {
      this.address = '127.0.0.1';
      this.gateway = '127.0.0.1';
      if (this.port === 0) this.port = await freeLoopbackPort();
    }
    await this.writeSshdConfig();
    await this.startHolder();
    if (this.opts.dockerView) await this.bindOverMachinePaths();
    await this.startSshd();
  }

  async exec(cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (this.stopped) throw new Error(`host ${this.name} is stopped`);
    if (cmd.length === 0) throw new Error('exec: empty command');
    const account = opts.user === true ? this.user?.name : opts.user || 'root';
    if (!account) throw new Error(`exec: host ${this.name} has no ordinary user`);
    const isRoot = account === 'root';
    const home = isRoot ? '/root' : this.user?.name === account ? this.user.home : '/';
    const env: Record<string, string> = {
      PATH: isRoot ? ROOT_PATH : USER_PATH,
      HOME: home,
      USER: account,
      LOGNAME: account,
      LANG: 'C.UTF-8',
      ...(this.user?.name === account && { XDG_RUNTIME_DIR: `/run/user/${this.user.uid}` }),
      ...opts.env,
    };
    const args = [...this.nsenterArgs(), '--'];
    // setpriv reads the account from the host's own /etc/passwd and /etc/group copies.
    if (!isRoot) args.push('setpriv', `--reuid=${account}`, `--regid=${account}`, '--init-groups');
    // nsenter's --wd resolves its path before entering the mount namespace, so `env -C` it is.
    args.push('env', '-C', opts.cwd ?? home, '--', ...cmd);
    return run('nsenter', args, { env, input: opts.input, timeoutMs: opts.timeoutMs });
  }

  async setSshdOptions(options: SshdOptions): Promise<void> {
    Object.assign(this.sshdOverrides, options);
    await this.writeSshdConfig();
    await this.restartSshd();
  }

  async restartSshd(): Promise<void> {
    await killAndWait([this.sshdPid]);
    await this.startSshd();
  }

  async regenerateHostKey(): Promise<void> {
    await this.generateHostKey();
    await this.restartSshd();
  }

  stop(options: StopOptions = {}): Promise<void> {
    this.stopping ??= this.teardown(options);
    return this.stopping;
  }

  /** Synchronous teardown for process 'exit' and signal handlers. */
  stopSync(): void {
    // An async teardown may be half done when the process exits: redo it all, idempotently.
    if (!liveHosts.has(this)) return;
    this.stopped = true;
    liveHosts.delete(this);
    const pids = this.pidsInside();
    for (const pid of pids) safeKill(pid, 'SIGKILL');
    for (const target of this.machineBinds) quietSync('umount', ['-l', target]);
    if (this.holdsDockerViewLock) releaseDockerViewLock();
    if (this.netns) {
      if (this.jumpHost?.netns)
        quietSync('ip', ['-n', this.jumpHost.netns, 'link', 'del', this.vethOuter]);
      else quietSync('ip', ['link', 'del', this.vethOuter]);
      quietSync('ip', ['netns', 'del', this.netns]);
    }
    rmSync(this.tempDir, { recursive: true, force: true });
  }

  private async teardown(options: StopOptions): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const pids = this.pidsInside();
    await killAndWait(pids);
    for (const target of this.machineBinds.reverse()) await run('umount', [target]);
    if (this.holdsDockerViewLock) releaseDockerViewLock();
    if (this.netns) {
      const ipNs = this.jumpHost?.netns ? ['-n', this.jumpHost.netns] : [];
      await this.network(async () => {
        // Deleting either end of a veth deletes the pair; the jump host may be gone already.
        await run('ip', [...ipNs, 'link', 'del', this.vethOuter]);
        await run('ip', ['netns', 'del', this.netns as string]);
      });
    }
    if (this.subnetBlock !== undefined) usedBlocks.delete(this.subnetBlock);
    if (!options.keepFiles) await rm(this.tempDir, { recursive: true, force: true });
    liveHosts.delete(this);
  }

  /** Every process in the host's mount namespace or network namespace. */
  private pidsInside(): number[] {
    const pids = new Set<number>([this.sshdPid, this.holderPid].filter((p) => p > 0));
    if (this.holderMntNs) for (const p of pidsInMountNs(this.holderMntNs)) pids.add(p);
    if (this.netns) {
      const out = quietSync('ip', ['netns', 'pids', this.netns]);
      for (const p of out.split(/\s+/).filter(Boolean)) pids.add(Number(p));
    }
    pids.delete(process.pid);
    return [...pids];
  }

  private nsenterArgs(): string[] {
    return [`--target=${this.holderPid}`, '--mount', '--uts', '--net'];
  }

  private network<T>(fn: () => Promise<T>): Promise<T> {
    const next = networkQueue.then(fn, fn);
    networkQueue = next.catch(() => undefined);
    return next;
  }

  private async generateHostKey(): Promise<void> {
    const keyPath = join(this.sshDir, 'ssh_host_ed25519_key');
    await rm(keyPath, { force: true });
    await rm(keyPath + '.pub', { force: true });
    const key = await generateKey(keyPath, `host@${this.name}`);
    this.hostPublicKey = key.publicKey;
    this.hostKeyFingerprint = fingerprintOf(key.publicKey);
  }

  private async createUser(name: string, key: GeneratedKey): Promise<void> {
    if (!/^[a-z_][a-z0-9_-]{0,30}$/.test(name)) throw new Error(`invalid user name ${name}`);
    if (name === 'root') throw new Error('the ordinary user cannot be root');
    const passwd = await readFile('/etc/passwd', 'utf8');
    const group = await readFile('/etc/group', 'utf8');
    const takenIds = new Set(
      [...passwd.split('\n'), ...group.split('\n')].map((l) => Number(l.split(':')[2])),
    );
    let uid = 4100;
    while (takenIds.has(uid)) uid++;
    const password = randomBytes(12).toString('base64url');
    const home = `/home/${name}`;
    const realHome = join(this.dirs.home, name);
    await mkdir(realHome, { mode: 0o750 });
    await chown(realHome, uid, uid);
    // What pam_systemd would make on a real server; sshd without PAM does not.
    const runtimeDir = join(this.dirs.runUser, String(uid));
    await mkdir(runtimeDir, { mode: 0o700 });
    await chown(runtimeDir, uid, uid);
    await writeFile(join(this.sshDir, 'authorized_keys', name), key.publicKey + '\n', {
      mode: 0o644,
    });
    this.user = {
      name,
      uid,
      gid: uid,
      password,
      home,
      keyPath: key.path,
      privateKey: key.privateKey,
      publicKey: key.publicKey,
    };
  }

  /** Private copies of the account and hosts files, with the ordinary user added. */
  private async writeEtcFiles(): Promise<void> {
    const u = this.user;
    const lines = async (path: string): Promise<string[]> =>
      (await readFile(path, 'utf8'))
        .split('\n')
        .filter((l) => l && !(u && l.startsWith(`${u.name}:`)));
    const passwd = await lines('/etc/passwd');
    const group = await lines('/etc/group');
    // With UsePAM no, sshd refuses every login (keys too) to an account whose password field
    // starts with "!", which is how some images ship root.
    const shadow = (await lines('/etc/shadow')).map((l) =>
      l.startsWith('root:!') ? l.replace(/^root:[^:]*/, 'root:*') : l,
    );
    if (u) {
      const hash = (
        await must('openssl', ['passwd', '-6', '-stdin'], { input: u.password + '\n' })
      ).trim();
      const today = Math.floor(Date.now() / 86_400_000);
      passwd.push(`${u.name}:x:${u.uid}:${u.gid}:Test user:${u.home}:/bin/bash`);
      shadow.push(`${u.name}:${hash}:${today}:0:99999:7:::`);
      group.push(`${u.name}:x:${u.gid}:`);
      // Membership of whichever group owns the Docker socket is what lets the user use Docker.
      const dockerGid = existsSync('/var/run/docker.sock')
        ? statSync('/var/run/docker.sock').gid
        : undefined;
      const i = group.findIndex((l) =>
        dockerGid === undefined ? l.startsWith('docker:') : l.split(':')[2] === String(dockerGid),
      );
      if (i >= 0) {
        const line = group[i] as string;
        group[i] = line + (line.endsWith(':') ? '' : ',') + u.name;
      } else if (dockerGid !== undefined) group.push(`docker:x:${dockerGid}:${u.name}`);
    }
    const hosts = (await readFile('/etc/hosts', 'utf8')) + `127.0.1.1\t${this.name}\n`;
    const dir = join(this.tempDir, 'etc-files');
    await writeFile(join(dir, 'passwd'), passwd.join('\n') + '\n', { mode: 0o644 });
    await writeFile(join(dir, 'group'), group.join('\n') + '\n', { mode: 0o644 });
    await writeFile(join(dir, 'shadow'), shadow.join('\n') + '\n', { mode: 0o640 });
    await writeFile(join(dir, 'hosts'), hosts, { mode: 0o644 });
    await writeFile(join(this.tempDir, 'node-stub'), NODE_STUB, { mode: 0o755 });
  }

  private async createNetwork(): Promise<void> {
    const netns = this.netns as string;
    const outerNs = this.jumpHost?.netns;
    if (this.jumpHost && !outerNs) throw new Error('behind: the jump host has no netns');
    if (this.jumpHost?.stopped) throw new Error('behind: the jump host is stopped');
    await this.network(async () => {
      const block = await allocateSubnet();
      this.subnetBlock = block.index;
      this.gateway = block.outer;
      this.address = block.inner;
      const outer = outerNs ? ['-n', outerNs] : [];
      await must('ip', ['netns', 'add', netns]);
      // The peer is created directly inside the namespace under the usual name eth0.
      const link = ['link', 'add', this.vethOuter, 'type', 'veth', 'peer', 'name', 'eth0'];
      await must('ip', [...outer, '-batch', '-'], {
        input: [
          [...link, 'netns', netns].join(' '),
          `addr add ${block.outer}/30 dev ${this.vethOuter}`,
          `link set ${this.vethOuter} up`,
        ].join('\n'),
      });
      await must('ip', ['-n', netns, '-batch', '-'], {
        input: [
          'link set lo up',
          `addr add ${block.inner}/30 dev eth0`,
          'link set eth0 up',
          `route add default via ${block.outer}`,
        ].join('\n'),
      });
    });
  }

  private async writeSshdConfig(): Promise<void> {
    const d = this.sshDir;
    const options: SshdOptions = {
      Port: String(this.port),
      // A dockerView host lives in the root namespace: listen on loopback only.
      ListenAddress: this.netns ? '0.0.0.0' : '127.0.0.1',
      HostKey: join(d, 'ssh_host_ed25519_key'),
      PidFile: join(d, 'sshd.pid'),
      AuthorizedKeysFile: `${join(d, 'authorized_keys')}/%u .ssh/authorized_keys`,
      // Its files live under /tmp, which StrictModes would reject.
      StrictModes: 'no',
      UsePAM: 'no',
      PermitRootLogin: 'prohibit-password',
      PubkeyAuthentication: 'yes',
      KbdInteractiveAuthentication: 'no',
      AllowTcpForwarding: 'yes',
      X11Forwarding: 'no',
      PrintMotd: 'no',
      UseDNS: 'no',
      LogLevel: 'VERBOSE',
      MaxStartups: '50:30:100',
      Subsystem: 'sftp /usr/lib/openssh/sftp-server',
      AcceptEnv: 'LANG LC_*',
      ...this.sshdOverrides,
    };
    const lines = Object.entries(options).map(([k, v]) => `${k} ${v}`);
    if (this.user) {
      lines.push(`Match User ${this.user.name}`);
      lines.push(`  SetEnv XDG_RUNTIME_DIR=/run/user/${this.user.uid}`);
    }
    const text = lines.join('\n');
    await writeFile(join(d, 'sshd_config'), text + '\n', { mode: 0o644 });
  }

  private async mountPairs(): Promise<string[]> {
    const etc = join(this.tempDir, 'etc-files');
    const pairs: string[] = [
      this.dirs.opt,
      AGENT_DIRS.opt,
      this.dirs.varLib,
      AGENT_DIRS.varLib,
      this.dirs.run,
      AGENT_DIRS.run,
      this.dirs.etc,
      AGENT_DIRS.etc,
      this.dirs.rootHome,
      '/root',
      this.dirs.home,
      '/home',
      this.dirs.runUser,
      '/run/user',
      this.dirs.cronSpool,
      '/var/spool/cron',
    ];
    for (const f of ['passwd', 'shadow', 'group', 'hosts']) pairs.push(join(etc, f), `/etc/${f}`);
    if (this.opts.withoutNode) {
      const targets = new Set<string>();
      for (const p of ['/usr/bin/node', '/usr/bin/nodejs', '/usr/local/bin/node']) {
        if (existsSync(p)) targets.add(await realpath(p));
      }
      for (const t of targets) pairs.push(join(this.tempDir, 'node-stub'), t);
    }
    return pairs;
  }

  private async startHolder(): Promise<void> {
    const pairs = await this.mountPairs();
    const unshare = ['unshare', '--mount', '--uts', '--propagation', 'private', '--'];
    const holder = [...unshare, 'sh', '-c', HOLDER_SCRIPT, 'holder', this.name, ...pairs];
    // `ip netns exec` and `unshare` both exec in place, so the child's pid is the holder's.
    const [cmd, ...args] = this.netns ? ['ip', 'netns', 'exec', this.netns, ...holder] : holder;
    const child = spawn(cmd as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.holderPid = child.pid ?? 0;
    let out = '';
    let err = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`holder of ${this.name}: timeout`)), 10_000);
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('ready\n')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`holder of ${this.name} exited ${code}: ${err.trim()}`));
      });
    });
    child.removeAllListeners('exit');
    child.stdout.destroy();
    child.stderr.destroy();
    child.unref();
    this.holderMntNs = readlinkSync(`/proc/${this.holderPid}/ns/mnt`);
    // What cleanStaleHosts needs to find this host's processes if this test process dies.
    await writeFile(join(this.tempDir, HOLDER_MNTNS_FILE), this.holderMntNs);
  }

  /** dockerView: the same folders over the machine's real paths, so dockerd sees them too. */
  private async bindOverMachinePaths(): Promise<void> {
    await acquireDockerViewLock(this.name);
    this.holdsDockerViewLock = true;
    const mounted = readFileSync('/proc/self/mountinfo', 'utf8');
    const targets: [string, string][] = [
      [this.dirs.opt, AGENT_DIRS.opt],
      [this.dirs.varLib, AGENT_DIRS.varLib],
      [this.dirs.run, AGENT_DIRS.run],
      [this.dirs.etc, AGENT_DIRS.etc],
    ];
    if (this.user) {
      const real = join(this.dirs.home, this.user.name);
      await mkdir(this.user.home, { recursive: true });
      targets.push([real, this.user.home]);
    }
    for (const [, target] of targets) {
      if (mountinfoHasTarget(mounted, target)) {
        throw new Error(
          `dockerView: ${target} is already a mount point (another dockerView host?)`,
        );
      }
    }
    for (const [source, target] of targets) {
      await must('mount', ['--bind', source, target]);
      this.machineBinds.push(target);
    }
  }

  private async startSshd(): Promise<void> {
    const logFd = await open(this.sshdLogPath, 'a');
    const offset = (await logFd.stat()).size;
    const args = [...this.nsenterArgs(), '--', '/usr/sbin/sshd', '-D', '-f'];
    args.push(join(this.sshDir, 'sshd_config'), '-E', this.sshdLogPath);
    // nsenter execs sshd in place (no pid namespace), so this pid is sshd's own.
    const child = spawn('nsenter', args, { stdio: ['ignore', logFd.fd, logFd.fd] });
    await logFd.close();
    this.sshdPid = child.pid ?? 0;
    let exited: string | undefined;
    child.on('exit', (code, signal) => (exited = `sshd exited (${code ?? signal})`));
    child.on('error', (e) => (exited = String(e)));
    child.unref();
    const deadline = Date.now() + SSHD_START_TIMEOUT_MS;
    for (;;) {
      const log = (await readFile(this.sshdLogPath)).subarray(offset).toString();
      // sshd logs this right after listen(), so connections are accepted from here on.
      if (log.includes('Server listening on')) return;
      if (exited || Date.now() > deadline) {
        throw new Error(`sshd of ${this.name}: ${exited ?? 'not listening after 10 s'}\n${log}`);
      }
      await sleep(10);
    }
  }
}

interface GeneratedKey {
  path: string;
  privateKey: string;
  publicKey: string;
}

/** An ed25519 key pair in OpenSSH's formats, written to `path` (0600) and `path`.pub. */
async function generateKey(path: string, comment: string): Promise<GeneratedKey> {
  // In process rather than ssh-keygen: three fewer processes per host on a busy 2-core machine.
  // Not ssh2's generateKeyPair: it strips leading zero bytes from ed25519 public keys, so about
  // one key in 256 is malformed (mscdex/ssh2#1390, #1513).
  const { privateKey: key } = await generateKeyPairAsync('ed25519');
  const jwk = key.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d ?? '', 'base64url');
  const pub = Buffer.from(jwk.x ?? '', 'base64url');
  const { privateKey, publicKey } = encodeOpenSshEd25519(seed, pub, comment);
  await writeFile(path, privateKey, { mode: 0o600 });
  await writeFile(path + '.pub', publicKey + '\n', { mode: 0o644 });
  return { path, privateKey, publicKey };
}

/** OpenSSH's "openssh-key-v1" container, unencrypted (PROTOCOL.key in OpenSSH's sources). */
export function encodeOpenSshEd25519(
  seed: Buffer,
  pub: Buffer,
  comment: string,
): { privateKey: string; publicKey: string } {
  if (seed.length !== 32 || pub.length !== 32) throw new Error('ed25519 keys are 32 bytes');
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const str = (v: Buffer | string): Buffer => {
    const b = typeof v === 'string' ? Buffer.from(v) : v;
    return Buffer.concat([u32(b.length), b]);
  };
  const blob = Buffer.concat([str('ssh-ed25519'), str(pub)]);
  const check = randomBytes(4);
  let secret = Buffer.concat([check, check, blob, str(Buffer.concat([seed, pub])), str(comment)]);
  // Padding 1, 2, 3, … up to the cipher block size, which is 8 for "none".
  const pad = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    str('none'),
    str('none'),
    str(''),
    u32(1),
    str(blob),
    str(secret),
  ]).toString('base64');
  const lines = body.match(/.{1,70}/g) ?? [];
  // The PEM label, written once for both armour lines (this encodes keys made at run time; no
  // key material lives in the source).
  const label = 'OPENSSH PRIVATE KEY';
  return {
    privateKey: [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`, ''].join('\n'),
    publicKey: `ssh-ed25519 ${blob.toString('base64')} ${comment}`,
  };
}

/** 'SHA256:' + unpadded base64 of the key blob's SHA-256, as `ssh-keygen -l` prints it. */
export function fingerprintOf(publicKeyLine: string): string {
  const blob = publicKeyLine.trim().split(/\s+/)[1];
  if (!blob) throw new Error('not an OpenSSH public key line');
  const digest = createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

async function allocateSubnet(): Promise<{ index: number; outer: string; inner: string }> {
  const taken = new Set<number>();
  const addrs = await must('ip', ['-4', '-o', 'addr', 'show']);
  for (const m of addrs.matchAll(/ 10\.213\.(\d+)\.(\d+)\//g)) {
    taken.add((Number(m[1]) * 256 + Number(m[2])) >> 2);
  }
  // 16383 /30 blocks; picking at random keeps concurrent test processes (which cannot see each
  // other's jump-host subnets) from colliding in practice.
  for (let attempt = 0; attempt < 1000; attempt++) {
    const index = 1 + randomInt(16383);
    if (usedBlocks.has(index) || taken.has(index)) continue;
    usedBlocks.add(index);
    const base = index * 4;
    const net = `${SUBNET_PREFIX}.${base >> 8}`;
    return { index, outer: `${net}.${(base & 255) + 1}`, inner: `${net}.${(base & 255) + 2}` };
  }
  throw new Error('no free 10.213.x.y/30 subnet');
}

/** Once per process: mount points, /run/sshd, routing, leftovers of crashed runs, handlers. */
async function prepareMachine(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('test hosts need root (network namespaces)');
  for (const dir of [...Object.values(AGENT_DIRS), '/run/sshd', '/run/user', '/var/spool/cron']) {
    await mkdir(dir, { recursive: true, mode: 0o755 });
  }
  // Without this, a packet to a host's subnet that has no link here (a `behind` host, or a host
  // already stopped) would follow the default route off the machine instead of failing at once.
  await run('ip', ['route', 'add', 'unreachable', `${SUBNET_PREFIX}.0.0/16`]);
  cleanStaleHosts();
  process.once('exit', stopAllHostsSync);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      stopAllHostsSync();
      process.removeListener(signal, onSignal);
      // Re-raise so the default action (or another listener) still ends the process.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function stopAllHostsSync(): void {
  for (const host of [...liveHosts]) {
    try {
      host.stopSync();
    } catch {
      // Best effort: the next run's cleanStaleHosts removes what is left.
    }
  }
}

/** Removes namespaces, mounts, processes and folders of test processes that no longer exist. */
export function cleanStaleHosts(): void {
  const dead = (pid: number): boolean => !isAlive(pid);
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    const m = /\/ubt-host-(\d+)-/.exec(fields[3] ?? '');
    if (m && dead(Number(m[1])) && fields[4]) quietSync('umount', ['-l', fields[4]]);
  }
  const ownMnt = readlinkSync('/proc/self/ns/mnt');
  for (const entry of readdirSync(tmpdir())) {
    const m = /^ubt-host-(\d+)-/.exec(entry);
    if (!m || !dead(Number(m[1]))) continue;
    const dir = join(tmpdir(), entry);
    // The crashed host's processes share its holder's mount namespace. Namespace ids can be
    // reused once freed, so a process must also carry the host's mounts; other hosts' holders
    // may carry copies of them too (made while they were on the machine's paths), but never in
    // that namespace.
    let mntNs = '';
    try {
      mntNs = readFileSync(join(dir, HOLDER_MNTNS_FILE), 'utf8');
    } catch {}
    for (const pid of mntNs && mntNs !== ownMnt ? pidsInMountNs(mntNs) : []) {
      try {
        if (readFileSync(`/proc/${pid}/mountinfo`, 'utf8').includes(`/${entry}/`)) {
          safeKill(pid, 'SIGKILL');
        }
      } catch {}
    }
    rmSync(dir, { recursive: true, force: true });
  }
  const lockOwner = Number(
    existsSync(DOCKER_VIEW_LOCK) ? readFileSync(DOCKER_VIEW_LOCK, 'utf8') : '',
  );
  if (lockOwner && dead(lockOwner)) rmSync(DOCKER_VIEW_LOCK, { force: true });
  const list = quietSync('ip', ['netns', 'list']);
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    if (!name.startsWith('ubt-')) continue;
    const owner = Number(/^ubt-(\d+)-/.exec(name)?.[1] ?? 0);
    if (owner && !dead(owner)) continue;
    for (const p of quietSync('ip', ['netns', 'pids', name]).split(/\s+/).filter(Boolean)) {
      safeKill(Number(p), 'SIGKILL');
    }
    quietSync('ip', ['netns', 'del', name]);
  }
}

// The machine has one /var/lib/ultrabase, so dockerView hosts take turns, also across test
// processes (the e2e and integration tiers may run side by side): a lock file naming its owner
// pid, taken over when that process is gone.
const DOCKER_VIEW_LOCK = join(tmpdir(), 'ubt-dockerview.lock');
const DOCKER_VIEW_WAIT_MS = 5 * 60_000;

async function acquireDockerViewLock(hostName: string): Promise<void> {
  const deadline = Date.now() + DOCKER_VIEW_WAIT_MS;
  for (;;) {
    try {
      await writeFile(DOCKER_VIEW_LOCK, String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(await readFile(DOCKER_VIEW_LOCK, 'utf8').catch(() => '0'));
    if (owner === process.pid) {
      throw new Error(`dockerView: this process already runs a dockerView host (${hostName})`);
    }
    if (!owner || !isAlive(owner)) {
      // The owner crashed: its binds over the machine's paths go before the lock does.
      cleanStaleHosts();
      await rm(DOCKER_VIEW_LOCK, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`dockerView: process ${owner} has held ${DOCKER_VIEW_LOCK} for 5 minutes`);
    }
    await sleep(200);
  }
}

function releaseDockerViewLock(): void {
  try {
    if (readFileSync(DOCKER_VIEW_LOCK, 'utf8') === String(process.pid)) rmSync(DOCKER_VIEW_LOCK);
  } catch {}
}

function mountinfoHasTarget(mountinfo: string, target: string): boolean {
  return mountinfo.split('\n').some((l) => l.split(' ')[4] === target);
}

function procPids(): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
}

function pidsInMountNs(ns: string): number[] {
  const pids: number[] = [];
  for (const pid of procPids()) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/mnt`) === ns) pids.push(pid);
    } catch {}
  }
  return pids;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

function safeKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {}
}

async function killAndWait(pids: number[], timeoutMs = 5000): Promise<void> {
  for (const pid of pids) safeKill(pid, 'SIGKILL');
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive)) {
    if (Date.now() > deadline) throw new Error(`processes did not exit: ${pids.filter(isAlive)}`);
    await sleep(5);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(),
      );
    });
  });
}

interface RunOptions {
  input?: string | Buffer | undefined;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number | undefined;
}

function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined); // the command may exit without reading its input
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        code: code ?? 128 + (signal ? osConstants.signals[signal] : 0),
      }),
    );
    child.stdin.end(opts.input);
  });
}

async function must(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
  }
  return r.stdout;
}

function quietSync(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  } catch {
    return '';
  }
}
