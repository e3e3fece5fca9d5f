import type { Client } from 'ssh2';
import type { Duplex } from 'node:stream';
import { UltrabaseError } from '@contract/errors';
import { readRegularFile, type FileReadRefused } from '../files/read-regular-file';
import type { ServerProfile } from '@contract/api';
import type { SecretStore } from '../profiles/secret-store';
import { checkPrivateKey, connectSsh, type SshCredentials } from '../ssh/connect';
import type { KnownHostEntry } from '../ssh/known-hosts';
import { forwardTcp, openStaffDial, openTunnel, type TunnelKind } from '../tunnel/open-tunnel';
import { ensureAgent, type BootstrapOutcome } from '../bootstrap/install';
import type { LocalAgent } from '../bootstrap/plan';
import type { AgentLink } from './link';

export interface SshLinkDeps {
  profile(id: string): ServerProfile | undefined;
  secrets: SecretStore;
  knownHosts(): Promise<KnownHostEntry[]>;
  sshAgentSocket: string | undefined;
  localAgent(): Promise<LocalAgent & { bundlePath: string; bundle: Buffer }>;
  /** Remembers a secret the core touched so the log redactor can recognise it. */
  remember(secret: string): void;
}

/** An OpenSSH private key is a few KiB even for RSA 16384. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

async function credentialsFor(profile: ServerProfile, deps: SshLinkDeps): Promise<SshCredentials> {
  if (profile.auth === 'agent') return { kind: 'agent', agentSocket: deps.sshAgentSocket };
  if (profile.auth === 'password') {
    const password = await deps.secrets.get(profile.id, 'sshPassword');
    if (!password) {
      throw new UltrabaseError(
        'SECRET_MISSING',
        `No SSH password is stored for ${profile.name}: enter it again.`,
        {
          secret: 'sshPassword',
          serverId: profile.id,
        },
      );
    }
    deps.remember(password);
    return { kind: 'password', password };
  }
  if (!profile.keyPath) {
    throw new UltrabaseError('KEY_FILE_UNREADABLE', `No key file is set for ${profile.name}.`, {
      serverId: profile.id,
    });
  }
  let privateKey: Buffer;
  try {
    privateKey = await readRegularFile(profile.keyPath, MAX_KEY_FILE_BYTES);
  } catch (err) {
    const refused = err as FileReadRefused;
    throw new UltrabaseError('KEY_FILE_UNREADABLE', `The key file: ${refused.message}`, {
      keyPath: profile.keyPath,
      serverId: profile.id,
      reason: refused.reason,
    });
  }
  const passphrase = await deps.secrets.get(profile.id, 'keyPassphrase');
  if (passphrase) deps.remember(passphrase);
  checkPrivateKey(privateKey, passphrase, profile.keyPath);
  return passphrase ? { kind: 'key', privateKey, passphrase } : { kind: 'key', privateKey };
}

function tagServer(err: unknown, profile: ServerProfile): unknown {
  // Host-key and auth errors of a jump host must say which profile to fix or trust.
  if (err instanceof UltrabaseError && err.data?.serverId === undefined) {
    return new UltrabaseError(err.code, err.message, {
      ...(err.data ?? {}),
      serverId: profile.id,
      serverName: profile.name,
    });
  }
  return err;
}

/**
 * Connects to a profile's server, through its jump host when it has one. Returns the client
 * and every client opened on the way (to close them together).
 */
export async function connectProfile(
  profileId: string,
  deps: SshLinkDeps,
  depth = 0,
): Promise<{ client: Client; chain: Client[] }> {
  const profile = deps.profile(profileId);
  if (!profile) throw new UltrabaseError('SERVER_NOT_FOUND', `No server with id ${profileId}.`);
  if (depth > 4)
    throw new UltrabaseError('JUMP_HOST_FAILED', 'The chain of jump hosts is too long or loops.');
  let sock: Duplex | undefined;
  let chain: Client[] = [];
  if (profile.jumpServerId) {
    const jump = await connectProfile(profile.jumpServerId, deps, depth + 1);
    chain = [...jump.chain, jump.client];
    try {
      sock = await forwardTcp(jump.client, profile.host, profile.port);
    } catch (err) {
      for (const c of chain) c.end();
      throw new UltrabaseError(
        'JUMP_HOST_FAILED',
        `The jump host could not reach ${profile.host}:${profile.port} (${(err as Error).message}).`,
        { serverId: profile.id, jumpServerId: profile.jumpServerId },
      );
    }
  }
  try {
    const client = await connectSsh({
      host: profile.host,
      port: profile.port,
      username: profile.username,
      credentials: await credentialsFor(profile, deps),
      policy: {
        ...(profile.hostKey ? { pinned: profile.hostKey.fingerprint } : {}),
        knownHosts: await deps.knownHosts(),
      },
      ...(sock ? { sock } : {}),
    });
    if (chain.length > 0) client.on('close', () => chain.forEach((c) => c.end()));
    return { client, chain };
  } catch (err) {
    for (const c of chain) c.end();
    throw tagServer(err, profile);
  }
}

/** What a staff login gets for a private project's port forward (docs/staff-accounts.md). */
export function staffForwardingRefused(serverId: string, port?: number): UltrabaseError {
  return new UltrabaseError(
    'FORWARDING_REFUSED',
    'A staff login cannot open private projects: the server refuses port forwarding for it. ' +
      'Open a public project by its URL, or ask an admin.',
    { serverId, staff: true, ...(port === undefined ? {} : { port }) },
  );
}

/**
 * Where the agent was found running at the version this app pins, the last time it answered
 * hello. A reconnect opens the tunnel straight there: the install probe (an exec channel
 * running a shell script) costs more than the rest of a reconnect together.
 */
interface KnownAgent {
  version: string;
  target: { socketPath: string; nodePath: string; bundlePath: string };
  outcome: BootstrapOutcome;
}

export class SshLink implements AgentLink {
  private client: Client | undefined;
  private known: KnownAgent | undefined;
  /** The last open skipped the probe (and so must be confirmed by hello). */
  private shortcut = false;
  private readonly downListeners = new Set<() => void>();
  private closing = false;
  bootstrap: BootstrapOutcome | undefined;
  tunnel: TunnelKind | undefined;
  private preferred: TunnelKind = 'streamlocal';

  constructor(
    private readonly serverId: string,
    private readonly deps: SshLinkDeps,
    private readonly agentUsername: () => string,
  ) {}

  /** A staff member's restricted login (docs/staff-accounts.md): read per call, profiles change. */
  private get staff(): boolean {
    return this.deps.profile(this.serverId)?.access === 'staff';
  }

  private async connect(onStep?: (step: string) => void): Promise<Client> {
    if (!this.client) {
      onStep?.('ssh');
      const { client } = await connectProfile(this.serverId, this.deps);
      this.client = client;
      client.on('close', () => {
        if (this.client === client) this.client = undefined;
        if (!this.closing) for (const l of this.downListeners) l();
      });
      client.on('error', () => {});
    }
    return this.client;
  }

  async open(onStep?: (step: string) => void): Promise<Duplex> {
    this.closing = false;
    if (this.staff) {
      // The key's forced command runs `dial` whatever is asked and `restrict` refuses socket
      // forwarding: no probe, no upload, no admin create, and straight to the exec channel.
      const client = await this.connect(onStep);
      onStep?.('tunnel');
      this.bootstrap = undefined;
      this.tunnel = 'dial';
      return openStaffDial(client);
    }
    // Reading the bundle's version spawns a local node: overlap it with the SSH handshake.
    const local = this.deps.localAgent();
    local.catch(() => {});
    const client = await this.connect(onStep);
    this.shortcut = false;
    const known = this.known;
    if (known && known.version === (await local).version) {
      onStep?.('tunnel');
      const opened = await openTunnel(client, known.target, this.preferred).catch(() => undefined);
      if (opened) {
        this.shortcut = true;
        this.bootstrap = known.outcome;
        this.tunnel = opened.kind;
        return opened.channel;
      }
      this.known = undefined; // no socket there any more: probe, and install if need be
    }
    const outcome = await ensureAgent(client, {
      local: await local,
      agentUsername: this.agentUsername(),
      agentPassword: async () => {
        const p = await this.deps.secrets.get(this.serverId, 'agentPassword');
        if (!p) {
          throw new UltrabaseError(
            'SECRET_MISSING',
            'No agent password is stored for this server: set one to create the first admin.',
            {
              secret: 'agentPassword',
              serverId: this.serverId,
            },
          );
        }
        this.deps.remember(p);
        return p;
      },
      onStep: (s) => onStep?.(s),
    });
    this.bootstrap = outcome;
    onStep?.('tunnel');
    const target = {
      socketPath: outcome.layout.socketPath,
      nodePath: outcome.nodePath,
      bundlePath: outcome.layout.bundlePath,
    };
    const { channel, kind } = await openTunnel(client, target, this.preferred);
    // Once a server refused socket forwarding, do not ask again on every reconnect.
    this.preferred = kind;
    this.tunnel = kind;
    this.pending = { version: (await local).version, target, outcome };
    return channel;
  }

  /** What the last full open found, until hello confirms the agent answers at that version. */
  private pending: KnownAgent | undefined;

  agentAnswered(agentVersion: string): boolean {
    if (this.shortcut) {
      if (this.known?.version === agentVersion) return true;
      this.known = undefined;
      return false;
    }
    if (this.pending?.version === agentVersion) this.known = this.pending;
    this.pending = undefined;
    return true;
  }

  forgetShortcut(): boolean {
    const was = this.shortcut;
    this.shortcut = false;
    if (was) this.known = undefined;
    return was;
  }

  async forward(host: string, port: number): Promise<Duplex> {
    // `restrict` refuses every forward; asking would only fail later, as a stalled browser tab.
    if (this.staff) throw staffForwardingRefused(this.serverId, port);
    if (!this.client) throw new UltrabaseError('NOT_CONNECTED', 'The server is not connected.');
    try {
      return await forwardTcp(this.client, host, port);
    } catch (err) {
      if (/prohibited/i.test((err as Error).message)) {
        throw new UltrabaseError(
          'FORWARDING_REFUSED',
          `The server refuses port forwarding for this SSH login (${(err as Error).message}).`,
          { serverId: this.serverId, port },
        );
      }
      throw new UltrabaseError(
        'FORWARD_FAILED',
        `The server could not open ${host}:${port} (${(err as Error).message}).`,
        {
          port,
        },
      );
    }
  }

  /**
   * A staff login cannot upgrade the agent, so an agent of another protocol is a job for an
   * admin: say so instead of the generic mismatch.
   */
  explainFailure(err: UltrabaseError): UltrabaseError {
    if (!this.staff) return err;
    if (err.code !== 'PROTOCOL_MISMATCH' && err.code !== 'AGENT_INCOMPATIBLE') return err;
    const name = this.deps.profile(this.serverId)?.name ?? 'this server';
    return new UltrabaseError(
      'PROTOCOL_MISMATCH',
      `The agent on ${name} speaks another protocol version than this app, and a staff login ` +
        `cannot update it: ask an admin to connect to ${name} with this app to update the agent.`,
      { ...(err.data ?? {}), serverId: this.serverId, staff: true },
    );
  }

  onDown(listener: () => void): void {
    this.downListeners.add(listener);
  }

  /** The live ssh2 client, for tests and benchmarks that need the raw connection. */
  get sshClient(): Client | undefined {
    return this.client;
  }

  async close(): Promise<void> {
    this.closing = true;
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      client.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      client.end();
    });
  }
}
