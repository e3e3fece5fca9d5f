import { UltrabaseError } from '@contract/errors';
import type {
  AppSettings,
  ServerInput,
  ServerProfile,
  ServerView,
  ServerSecretsInput,
} from '@contract/api';
import type { ProfileStore } from '../profiles/profile-store';
import type { SecretKind, SecretStore } from '../profiles/secret-store';
import { localProfile, profileFromInput, validateProfile } from '../profiles/profile-rules';
import { normalizeFingerprint } from '../ssh/fingerprint';
import { presentedHostKey } from '../ssh/connect';
import { forwardTcp } from '../tunnel/open-tunnel';
import type { Logger } from '../logging/logger';
import { connectProfile, type SshLinkDeps } from './ssh-link';
import { LOCAL_SERVER_ID } from './local-link';
import type { SessionStatus } from './agent-session';

const SECRET_KINDS: SecretKind[] = ['sshPassword', 'keyPassphrase', 'agentPassword', 'agentToken'];
const INPUT_SECRETS = ['sshPassword', 'keyPassphrase', 'agentPassword'] as const;

export interface ServerDirectoryOptions {
  store: ProfileStore;
  secrets: SecretStore;
  /** Offer the built-in "This computer". */
  withLocal: boolean;
  /** Registers a secret with the redactor before it is used anywhere. */
  remember(secret: string): void;
  logger: Logger;
}

/**
 * Which servers exist and what is known about them: profiles, their keychain secrets, the view
 * the UI shows, and host-key trust. Knows nothing of live connections: a view's connection
 * state is passed in by whoever holds the session.
 */
export class ServerDirectory {
  constructor(private readonly options: ServerDirectoryOptions) {}

  get(id: string): ServerProfile | undefined {
    if (id === LOCAL_SERVER_ID) return this.options.withLocal ? localProfile() : undefined;
    return this.options.store.get(id);
  }

  require(id: string): ServerProfile {
    const profile = this.get(id);
    if (!profile) {
      throw new UltrabaseError('SERVER_NOT_FOUND', `There is no server with id "${id}".`, {
        serverId: id,
      });
    }
    return profile;
  }

  list(): ServerProfile[] {
    return [...(this.options.withLocal ? [localProfile()] : []), ...this.options.store.list()];
  }

  /** The server's display name, or its id when it is gone (a late event). */
  nameOf(id: string): string {
    return this.get(id)?.name ?? id;
  }

  async view(profile: ServerProfile, status: SessionStatus): Promise<ServerView> {
    const v: ServerView = {
      ...profile,
      state: status.state,
      secrets: await this.secretFlags(profile.id),
    };
    if (status.error) v.error = status.error;
    if (status.agent) v.agent = status.agent;
    if (status.user) v.user = status.user;
    if (status.recovery) v.recovery = status.recovery;
    return v;
  }

  async add(input: ServerInput): Promise<ServerProfile> {
    this.rememberInput(input.secrets);
    const profile = profileFromInput(input, this.options.store.list(), new Date());
    await this.storeSecrets(profile.id, input.secrets);
    this.options.store.put(profile);
    return profile;
  }

  async update(id: string, patch: Partial<ServerInput>): Promise<ServerProfile> {
    this.rememberInput(patch.secrets);
    const current = this.require(id);
    if (current.kind === 'local') {
      throw new UltrabaseError(
        'INVALID_STATE',
        '"This computer" is built in and cannot be edited.',
      );
    }
    const next: ServerProfile = { ...current };
    if (patch.name !== undefined) next.name = patch.name.trim();
    if (patch.host !== undefined) next.host = patch.host.trim();
    if (patch.port !== undefined) next.port = patch.port;
    if (patch.username !== undefined) next.username = patch.username.trim();
    if (patch.auth !== undefined) next.auth = patch.auth;
    if (patch.keyPath !== undefined) next.keyPath = patch.keyPath;
    if (patch.jumpServerId !== undefined) next.jumpServerId = patch.jumpServerId;
    if (patch.agentUsername !== undefined) next.agentUsername = patch.agentUsername.trim();
    if (patch.access === 'staff') next.access = 'staff';
    else if (patch.access === 'full') delete next.access;
    // A pinned key belongs to one address: pointing the profile elsewhere needs a new confirmation.
    if (next.host !== current.host || next.port !== current.port) delete next.hostKey;
    validateProfile(next, this.options.store.list());
    await this.storeSecrets(id, patch.secrets);
    this.options.store.put(next);
    return next;
  }

  /** Refuses what cannot be removed; the caller disconnects before `forget`. */
  checkRemovable(id: string): ServerProfile {
    const profile = this.require(id);
    if (profile.kind === 'local') {
      throw new UltrabaseError(
        'INVALID_STATE',
        '"This computer" is built in and cannot be removed.',
      );
    }
    const dependents = this.options.store.list().filter((p) => p.jumpServerId === id);
    if (dependents.length > 0) {
      throw new UltrabaseError(
        'INVALID_STATE',
        `${profile.name} is the jump host of ${dependents.map((p) => p.name).join(', ')}: change those first.`,
      );
    }
    return profile;
  }

  async forget(id: string): Promise<void> {
    for (const kind of SECRET_KINDS) await this.options.secrets.delete(id, kind).catch(() => {});
    this.options.store.remove(id);
  }

  /**
   * Pins the fingerprint the person confirmed, after dialling the server (through its jump host)
   * to check that it really presents that key now.
   */
  async trustHostKey(id: string, fingerprint: string, ssh: SshLinkDeps): Promise<ServerProfile> {
    const profile = this.require(id);
    if (profile.kind === 'local')
      throw new UltrabaseError('INVALID_STATE', '"This computer" has no host key.');
    const wanted = normalizeFingerprint(fingerprint);
    let sock;
    let chain: { end(): void }[] = [];
    if (profile.jumpServerId) {
      const jump = await connectProfile(profile.jumpServerId, ssh);
      chain = [...jump.chain, jump.client];
      sock = await forwardTcp(jump.client, profile.host, profile.port);
    }
    let info;
    try {
      info = await presentedHostKey({
        host: profile.host,
        port: profile.port,
        ...(sock ? { sock } : {}),
      });
    } finally {
      for (const c of chain) c.end();
    }
    if (info.fingerprint !== wanted) {
      throw new UltrabaseError(
        'HOST_KEY_MISMATCH',
        `The server presents ${info.fingerprint}, not the fingerprint you confirmed (${wanted}). Nothing was trusted.`,
        { expected: wanted, actual: info.fingerprint, host: profile.host, port: profile.port },
      );
    }
    const next: ServerProfile = {
      ...profile,
      hostKey: {
        fingerprint: info.fingerprint,
        algorithm: info.algorithm,
        trustedAt: new Date().toISOString(),
      },
    };
    this.options.store.put(next);
    this.options.logger.info('host key trusted', { serverId: id, fingerprint: info.fingerprint });
    return next;
  }

  settings(): AppSettings {
    return this.options.store.settings();
  }

  updateSettings(patch: Partial<AppSettings>): AppSettings {
    return this.options.store.updateSettings(patch);
  }

  private rememberInput(input: ServerSecretsInput | undefined): void {
    if (input) for (const v of Object.values(input)) if (v) this.options.remember(v);
  }

  private async storeSecrets(id: string, input: ServerSecretsInput | undefined): Promise<void> {
    if (!input) return;
    for (const kind of INPUT_SECRETS) {
      const value = input[kind];
      if (value === undefined) continue;
      if (value === '') await this.options.secrets.delete(id, kind);
      else {
        this.options.remember(value);
        await this.options.secrets.set(id, kind, value);
      }
    }
  }

  private async secretFlags(id: string): Promise<ServerView['secrets']> {
    const { secrets } = this.options;
    try {
      const [sshPassword, keyPassphrase, agentPassword] = await Promise.all([
        secrets.get(id, 'sshPassword'),
        secrets.get(id, 'keyPassphrase'),
        secrets.get(id, 'agentPassword'),
      ]);
      return {
        sshPassword: !!sshPassword,
        keyPassphrase: !!keyPassphrase,
        agentPassword: !!agentPassword,
      };
    } catch {
      return { sshPassword: false, keyPassphrase: false, agentPassword: false };
    }
  }
}
