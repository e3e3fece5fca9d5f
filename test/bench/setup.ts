// Our side of the benchmark, set up the way a person would: a rig VPS (Debian's sshd in its own
// network namespace), a server profile in a fresh desktop core, the host key trusted by its
// fingerprint, and a connect that bootstraps the real agent bundle (upload, verify, first admin,
// detached start) and logs in. Secrets go to the real keychain when a Secret Service is running
// (scripts/bench.mjs runs us under dbus-run-session + gnome-keyring).
import type { Client } from 'ssh2';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createDesktop, type Desktop } from '../../electron/src/core/desktop';
import type { SecretKind, SecretStore } from '../../electron/src/core/profiles/secret-store';
import { startHost, type VpsHost } from '../rig/hosts';
import { OpenSsh } from './openssh';

/** The agent's config on the VPS: no limits or schedulers that would act during the run. */
export const AGENT_CONFIG = {
  maxInstances: 500,
  // The machine is shared and its load average is often far above 2 per core: the resource
  // check must not refuse (dry-run creations skip it anyway; this keeps the agent quiet).
  resources: { minFreeMemoryMb: 0, minFreeDiskMb: 0, maxLoadPerCore: 10_000 },
  // The bench's stacks are stand-ins of a few MB: the memory account of the default size
  // (3 GB of limits per project) must not refuse them either.
  capacity: { memoryOvercommit: 100 },
  // Diagnostics and auto-repair would probe the bench's stand-in containers mid-measurement.
  diagnosticIntervalMs: 3_600_000,
  autoRepair: false,
};

export interface BenchContext {
  host: VpsHost;
  desktop: Desktop;
  serverId: string;
  ssh: OpenSsh;
  workDir: string;
  bundlePath: string;
  keychain: 'system' | 'memory';
  bootstrapMs: number;
  /** The first admin's password: more profiles of the same agent (connect of 5 servers). */
  agentPassword: string;
  log(message: string): void;
  /** Lines for the document's "What was set up" section. */
  setup: string[];
}

function memorySecrets(): SecretStore {
  const m = new Map<string, string>();
  const key = (id: string, kind: SecretKind) => `${id}:${kind}`;
  return {
    get: async (id, kind) => m.get(key(id, kind)),
    set: async (id, kind, value) => void m.set(key(id, kind), value),
    delete: async (id, kind) => void m.delete(key(id, kind)),
  };
}

export async function setUpOurSide(opts: {
  workDir: string;
  bundle: string;
  log(message: string): void;
}): Promise<BenchContext> {
  const { workDir, log } = opts;
  const home = join(workDir, 'desktop');
  await mkdir(home, { recursive: true, mode: 0o700 });
  // A private copy: other builds may rewrite dist/agent/agent.cjs while we run.
  const bundlePath = join(workDir, 'agent.cjs');
  await copyFile(opts.bundle, bundlePath);
  const knownHosts = join(home, 'known_hosts');
  await writeFile(knownHosts, '');

  log('starting a rig host (sshd in a network namespace)');
  const host = await startHost({ name: 'bench-vps' });
  await writeFile(join(host.dirs.etc, 'agent.json'), JSON.stringify(AGENT_CONFIG, null, 2));

  try {
    return await bootstrapOurSide(host, { home, knownHosts, bundlePath, workDir, log });
  } catch (err) {
    await host.stop().catch(() => undefined);
    throw err;
  }
}

async function bootstrapOurSide(
  host: VpsHost,
  o: {
    home: string;
    knownHosts: string;
    bundlePath: string;
    workDir: string;
    log(m: string): void;
  },
): Promise<BenchContext> {
  const { home, knownHosts, bundlePath, workDir, log } = o;
  const keychain = process.env.DBUS_SESSION_BUS_ADDRESS ? 'system' : 'memory';
  const desktop = createDesktop({
    home,
    agentBundlePath: bundlePath,
    nodeRuntimePath: process.execPath,
    knownHostsPath: knownHosts,
    localServer: false,
    clientName: 'ultrabase-bench',
    ...(keychain === 'memory' ? { secrets: memorySecrets() } : {}),
  });
  const agentPassword = 'bench-admin-' + Math.random().toString(36).slice(2, 14);
  const server = await desktop.addServer({
    name: 'bench',
    host: host.address,
    auth: 'key',
    keyPath: host.rootKeyPath,
    secrets: { agentPassword },
  });
  await desktop.trustHostKey(server.id, host.hostKeyFingerprint);
  log('bootstrapping the agent through the desktop core');
  const t0 = Date.now();
  const view = await desktop.connectServer(server.id).catch(async (err: unknown) => {
    await desktop.close().catch(() => undefined);
    throw err;
  });
  const bootstrapMs = Date.now() - t0;
  if (view.state !== 'connected') throw new Error(`connect ended in state ${view.state}`);

  const ssh = new OpenSsh(
    {
      address: host.address,
      port: host.port,
      user: 'root',
      keyPath: host.rootKeyPath,
      knownHostsLine: host.knownHostsLine,
    },
    workDir,
  );
  await ssh.init();
  await ssh.startMaster();

  return {
    host,
    desktop,
    serverId: server.id,
    ssh,
    workDir,
    bundlePath,
    keychain,
    bootstrapMs,
    agentPassword,
    log,
    setup: [
      `One rig VPS: sshd ${host.address}:${host.port} in network namespace ${host.netns ?? '(root)'}; ` +
        `the agent ${view.agent?.version ?? '?'} (protocol ${view.agent?.protocol ?? '?'}) bootstrapped ` +
        `from nothing by the desktop core in ${(bootstrapMs / 1000).toFixed(1)} s, tunnel ` +
        `\`${tunnelKind(desktop, server.id)}\`, keychain: ${keychain === 'system' ? 'gnome-keyring (Secret Service)' : 'in memory (no D-Bus session)'}.`,
      `Agent config: ${JSON.stringify(AGENT_CONFIG)}.`,
      'Baselines: Debian’s OpenSSH client with `-F /dev/null -i <rig key> -o BatchMode=yes ' +
        '-o StrictHostKeyChecking=yes -o UserKnownHostsFile=<file written from the rig host key>`; ' +
        '“multiplexed” rides on a ControlMaster connection opened before the run.',
    ],
  };
}

function tunnelKind(desktop: Desktop, serverId: string): string {
  const link = desktop.inspect(serverId).link as { tunnel?: string } | undefined;
  return link?.tunnel ?? '?';
}

/** The agent's pid, from the pid file the detached start writes. */
export async function agentPid(ctx: BenchContext): Promise<number> {
  return Number((await readFile(join(ctx.host.dirs.run, 'agent.pid'), 'utf8')).trim());
}

export async function tearDownOurSide(ctx: BenchContext | undefined): Promise<void> {
  if (!ctx) return;
  await ctx.ssh.stopMaster().catch(() => undefined);
  await ctx.desktop.close().catch(() => undefined);
  await ctx.host.stop().catch(() => undefined);
}

/**
 * Nagle's algorithm on the core's SSH socket (ssh2 leaves it on, and sshd turns it off only
 * for sessions with a terminal): every request/answer exchange then waits for the peer's
 * delayed ACK, about 40 ms on Linux. The benchmark measures the core as it is, then again with
 * TCP_NODELAY set through the live client, to show what that one-line change would give.
 */
export function setNoDelay(ctx: BenchContext, on: boolean): void {
  const link = ctx.desktop.inspect(ctx.serverId).link as { sshClient?: Client } | undefined;
  if (!link?.sshClient) throw new Error('no live ssh2 client');
  link.sshClient.setNoDelay(on);
}
