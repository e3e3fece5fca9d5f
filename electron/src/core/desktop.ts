import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UltrabaseError } from '../contract/errors';
import type {
  DesktopApi,
  DesktopEvent,
  Exposure,
  OpenTarget,
  ProjectView,
  ServerInput,
  ServerProfile,
  ServerView,
} from '../contract/api';
import type { AgentEvent, Instance, LogLine } from '../../../remote-agent/src/protocol/types';
import { createProfileStore } from './profiles/profile-store';
import {
  createKeytarSecretStore,
  type SecretKind,
  type SecretStore,
} from './profiles/secret-store';
import { readSshConfig } from './profiles/ssh-config';
import {
  createRedactingLogger,
  redactFields,
  redactText,
  silentLogger,
  type Logger,
} from './logging/logger';
import { parseKnownHosts, type KnownHostEntry } from './ssh/known-hosts';
import { normalizeFingerprint } from './ssh/fingerprint';
import { presentedHostKey } from './ssh/connect';
import { forwardTcp } from './tunnel/open-tunnel';
import { describeLocalAgent } from './bootstrap/local-agent';
import type { LocalAgent } from './bootstrap/plan';
import { AgentSession, type SessionStatus } from './servers/agent-session';
import { connectProfile, SshLink, type SshLinkDeps } from './servers/ssh-link';
import { LocalLink, LOCAL_SERVER_ID } from './servers/local-link';
import { localProfile, profileFromInput, validateProfile } from './servers/profiles';
import type { AgentLink } from './servers/link';
import {
  rewriteUrl,
  startPortForward,
  urlPort,
  type ForwardHandle,
} from './forwards/port-forwards';

export interface DesktopOptions {
  /** Settings directory (Electron: userData; CLI: ULTRABASE_HOME or ~/.config/ultrabase). */
  home: string;
  secrets?: SecretStore;
  /** The agent bundle the app carries (dist/agent/agent.cjs). */
  agentBundlePath: string;
  /** A Node runtime to upload to servers without Node >= 18. */
  nodeRuntimePath?: string;
  logger?: Logger;
  /** Defaults to ~/.ssh/known_hosts. */
  knownHostsPath?: string;
  /** Defaults to $SSH_AUTH_SOCK. */
  sshAgentSocket?: string;
  /** Node used to run the local agent and read the bundle's version (default: this process). */
  nodePath?: string;
  /** Offer the built-in "This computer" server (default true). */
  localServer?: boolean;
  clientName?: string;
}

export interface CreateProjectInput {
  name: string;
  exposure?: Exposure;
  /** Files and registry entry only, no containers (the agent's dry run). */
  dryRun?: boolean;
}

export type Desktop = Omit<DesktopApi, 'createProject'> & {
  close(): Promise<void>;
  createProject(
    serverId: string,
    input: CreateProjectInput,
  ): Promise<{ project: ProjectView; queuePosition: number }>;
  /** The last log lines without following (CLI). */
  readLogs(
    serverId: string,
    instanceId: string,
    options?: { service?: string; tail?: number },
  ): Promise<LogLine[]>;
  /** For tests and benchmarks: the live pieces behind one server. */
  inspect(serverId: string): { session?: AgentSession; link?: AgentLink };
};

const SECRET_KINDS: SecretKind[] = ['sshPassword', 'keyPassphrase', 'agentPassword', 'agentToken'];

interface Connection {
  session: AgentSession;
  link: AgentLink;
}

export function createDesktop(options: DesktopOptions): Desktop {
  const store = createProfileStore(options.home);
  const secrets = options.secrets ?? createKeytarSecretStore();
  const knownSecrets = new Set<string>();
  const remember = (secret: string) => void knownSecrets.add(secret);
  const logger = createRedactingLogger(options.logger ?? silentLogger, knownSecrets);
  const nodePath = options.nodePath ?? process.execPath;
  const withLocal = options.localServer ?? true;
  const listeners = new Set<(e: DesktopEvent) => void>();
  const connections = new Map<string, Connection>();
  const streamOwner = new Map<string, string>();
  const forwards = new Map<string, Promise<ForwardHandle>>();
  let localAgent: Promise<LocalAgent & { bundlePath: string; bundle: Buffer }> | undefined;
  let closed = false;

  const emit = (event: DesktopEvent) => {
    for (const l of listeners) {
      try {
        l(event);
      } catch (err) {
        logger.error('event listener failed', { error: (err as Error).message });
      }
    }
  };

  const getProfile = (id: string): ServerProfile | undefined =>
    id === LOCAL_SERVER_ID ? (withLocal ? localProfile() : undefined) : store.get(id);
  const requireProfile = (id: string): ServerProfile => {
    const p = getProfile(id);
    if (!p)
      throw new UltrabaseError('SERVER_NOT_FOUND', `There is no server with id "${id}".`, {
        serverId: id,
      });
    return p;
  };
  const allProfiles = (): ServerProfile[] => [
    ...(withLocal ? [localProfile()] : []),
    ...store.list(),
  ];

  async function secretFlags(id: string): Promise<ServerView['secrets']> {
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

  async function view(profile: ServerProfile): Promise<ServerView> {
    const status: SessionStatus = connections.get(profile.id)?.session.status ?? {
      state: 'disconnected',
    };
    const v: ServerView = {
      ...profile,
      state: status.state,
      secrets: await secretFlags(profile.id),
    };
    if (status.error) v.error = status.error;
    if (status.agent) v.agent = status.agent;
    if (status.user) v.user = status.user;
    return v;
  }

  const sshDeps: SshLinkDeps = {
    profile: (id) => getProfile(id),
    secrets,
    knownHosts: async (): Promise<KnownHostEntry[]> => {
      try {
        return parseKnownHosts(
          await readFile(options.knownHostsPath ?? join(homedir(), '.ssh', 'known_hosts'), 'utf8'),
        );
      } catch {
        return [];
      }
    },
    sshAgentSocket: options.sshAgentSocket ?? process.env.SSH_AUTH_SOCK,
    localAgent: () => {
      localAgent ??= describeLocalAgent({
        bundlePath: options.agentBundlePath,
        nodePath,
        ...(options.nodeRuntimePath ? { runtimePath: options.nodeRuntimePath } : {}),
      }).catch((err) => {
        localAgent = undefined;
        throw err;
      });
      return localAgent;
    },
    remember,
  };

  const toProject = (serverId: string, instance: Instance): ProjectView => ({
    ...instance,
    serverId,
    serverName: getProfile(serverId)?.name ?? serverId,
  });
  /** One profile lookup per list, not per instance: conf re-reads settings.json on every get. */
  const toProjects = (serverId: string, instances: Instance[]): ProjectView[] => {
    const serverName = getProfile(serverId)?.name ?? serverId;
    return instances.map((instance) => ({ ...instance, serverId, serverName }));
  };

  function onAgentEvent(serverId: string, event: AgentEvent): void {
    switch (event.type) {
      case 'instance.changed':
        return emit({ type: 'project.changed', project: toProject(serverId, event.instance) });
      case 'instance.deleted':
        return emit({ type: 'project.deleted', serverId, instanceId: event.instanceId });
      case 'instance.progress':
        return emit({ type: 'project.progress', serverId, event: event.event });
      case 'instance.diagnosed':
        return emit({
          type: 'project.diagnosed',
          serverId,
          instanceId: event.instanceId,
          report: event.report,
          changed: event.changed,
        });
      case 'instance.repaired':
        return emit({
          type: 'project.repaired',
          serverId,
          instanceId: event.instanceId,
          result: event.result,
          automatic: event.automatic,
        });
      default:
        return;
    }
  }

  function connection(serverId: string): Connection {
    const existing = connections.get(serverId);
    if (existing) return existing;
    const profile = requireProfile(serverId);
    const link: AgentLink =
      profile.kind === 'local'
        ? new LocalLink({
            nodePath,
            bundlePath: options.agentBundlePath,
            dataDir: join(options.home, 'local-agent'),
            username: profile.agentUsername,
            secrets,
            remember,
          })
        : new SshLink(
            serverId,
            sshDeps,
            () => getProfile(serverId)?.agentUsername ?? profile.agentUsername,
          );
    const session = new AgentSession({
      serverId,
      link,
      clientName: options.clientName ?? 'ultrabase-desktop',
      logger,
      credentials: async () => {
        const p = requireProfile(serverId);
        const password =
          link instanceof LocalLink
            ? await link.password()
            : await secrets.get(serverId, 'agentPassword');
        if (!password) {
          throw new UltrabaseError(
            'SECRET_MISSING',
            `No agent password is stored for ${p.name}: enter it to log in.`,
            {
              secret: 'agentPassword',
              serverId,
            },
          );
        }
        remember(password);
        return { username: p.agentUsername, password };
      },
      hooks: {
        onStatus: () => {
          const p = getProfile(serverId);
          if (p) void view(p).then((server) => emit({ type: 'server.state', server }));
          if (session.status.state !== 'connected') void releaseForwards(serverId);
        },
        onEvent: (event) => onAgentEvent(serverId, event),
        onLogData: (stream, lines, bytes) => emit({ type: 'stream.data', stream, lines, bytes }),
        onLogEnd: (stream, error) => {
          streamOwner.delete(stream);
          emit(error ? { type: 'stream.end', stream, error } : { type: 'stream.end', stream });
        },
      },
    });
    const c = { session, link };
    connections.set(serverId, c);
    return c;
  }

  function connectedSession(serverId: string): AgentSession {
    requireProfile(serverId);
    const c = connections.get(serverId);
    if (!c) {
      throw new UltrabaseError('NOT_CONNECTED', 'This server is not connected: connect it first.', {
        serverId,
      });
    }
    return c.session;
  }

  async function releaseForwards(serverId: string): Promise<void> {
    for (const [key, handle] of forwards) {
      if (!key.startsWith(serverId + '|')) continue;
      forwards.delete(key);
      await handle.then((h) => h.close()).catch(() => {});
    }
  }

  async function storeSecrets(id: string, input: ServerInput['secrets']): Promise<void> {
    if (!input) return;
    for (const kind of ['sshPassword', 'keyPassphrase', 'agentPassword'] as const) {
      const value = input[kind];
      if (value === undefined) continue;
      if (value === '') await secrets.delete(id, kind);
      else {
        remember(value);
        await secrets.set(id, kind, value);
      }
    }
  }

  const api: Desktop = {
    async listServers() {
      return Promise.all(allProfiles().map(view));
    },

    async addServer(input) {
      if (input.secrets) for (const v of Object.values(input.secrets)) if (v) remember(v);
      const profile = profileFromInput(input, store.list(), new Date());
      await storeSecrets(profile.id, input.secrets);
      store.put(profile);
      const v = await view(profile);
      emit({ type: 'server.state', server: v });
      return v;
    },

    async updateServer(id, patch) {
      if (patch.secrets) for (const v of Object.values(patch.secrets)) if (v) remember(v);
      const current = requireProfile(id);
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
      // A pinned key belongs to one address: pointing the profile elsewhere needs a new confirmation.
      if (next.host !== current.host || next.port !== current.port) delete next.hostKey;
      validateProfile(next, store.list());
      await storeSecrets(id, patch.secrets);
      store.put(next);
      const v = await view(next);
      emit({ type: 'server.state', server: v });
      return v;
    },

    async removeServer(id) {
      const profile = requireProfile(id);
      if (profile.kind === 'local') {
        throw new UltrabaseError(
          'INVALID_STATE',
          '"This computer" is built in and cannot be removed.',
        );
      }
      const dependents = store.list().filter((p) => p.jumpServerId === id);
      if (dependents.length > 0) {
        throw new UltrabaseError(
          'INVALID_STATE',
          `${profile.name} is the jump host of ${dependents.map((p) => p.name).join(', ')}: change those first.`,
        );
      }
      await api.disconnectServer(id);
      connections.delete(id);
      for (const kind of SECRET_KINDS) await secrets.delete(id, kind).catch(() => {});
      store.remove(id);
      emit({ type: 'server.removed', serverId: id });
    },

    readSshConfig: (path) => readSshConfig(path),

    async connectServer(id) {
      requireProfile(id);
      await connection(id).session.connect();
      return view(requireProfile(id));
    },

    async trustHostKey(id, fingerprint) {
      const profile = requireProfile(id);
      if (profile.kind === 'local')
        throw new UltrabaseError('INVALID_STATE', '"This computer" has no host key.');
      const wanted = normalizeFingerprint(fingerprint);
      let sock;
      let chain: { end(): void }[] = [];
      if (profile.jumpServerId) {
        const jump = await connectProfile(profile.jumpServerId, sshDeps);
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
      store.put(next);
      logger.info('host key trusted', { serverId: id, fingerprint: info.fingerprint });
      const v = await view(next);
      emit({ type: 'server.state', server: v });
      return v;
    },

    async disconnectServer(id) {
      requireProfile(id);
      await releaseForwards(id);
      const c = connections.get(id);
      if (!c) return;
      for (const [stream, owner] of streamOwner) if (owner === id) streamOwner.delete(stream);
      await c.session.disconnect();
    },

    async serverResources(id) {
      return connectedSession(id).call('system.resources', {});
    },

    async serverAudit(id, opts) {
      const params: { limit?: number; instanceId?: string } = {};
      if (opts?.limit !== undefined) params.limit = opts.limit;
      if (opts?.instanceId !== undefined) params.instanceId = opts.instanceId;
      return (await connectedSession(id).call('audit.list', params)).entries;
    },

    async listProjects(serverId) {
      if (serverId !== undefined) {
        const { instances } = await connectedSession(serverId).call('instances.list', {});
        return toProjects(serverId, instances);
      }
      const results = await Promise.all(
        [...connections.entries()]
          .filter(([, c]) => c.session.connected)
          .map(async ([id, c]) => {
            try {
              const { instances } = await c.session.call('instances.list', {});
              return toProjects(id, instances);
            } catch (err) {
              logger.warn('listing projects failed', {
                serverId: id,
                code: (err as UltrabaseError).code,
              });
              return [];
            }
          }),
      );
      return results.flat();
    },

    async createProject(serverId, input) {
      const params: { name: string; exposure: Exposure; dryRun?: boolean } = {
        name: input.name,
        exposure: input.exposure ?? store.settings().defaultExposure,
      };
      if (input.dryRun) params.dryRun = true;
      const r = await connectedSession(serverId).call('instances.create', params, {
        timeoutMs: 120_000,
      });
      return { project: toProject(serverId, r.instance), queuePosition: r.queuePosition };
    },

    async projectProgress(serverId, instanceId) {
      return connectedSession(serverId).call('instances.progress', { id: instanceId });
    },
    async startProject(serverId, instanceId) {
      const r = await connectedSession(serverId).call(
        'instances.start',
        { id: instanceId },
        { timeoutMs: 600_000 },
      );
      return toProject(serverId, r.instance);
    },
    async stopProject(serverId, instanceId) {
      const r = await connectedSession(serverId).call(
        'instances.stop',
        { id: instanceId },
        { timeoutMs: 600_000 },
      );
      return toProject(serverId, r.instance);
    },
    async restartProject(serverId, instanceId) {
      const r = await connectedSession(serverId).call(
        'instances.restart',
        { id: instanceId },
        { timeoutMs: 600_000 },
      );
      return toProject(serverId, r.instance);
    },
    async deleteProject(serverId, instanceId) {
      await connectedSession(serverId).call(
        'instances.delete',
        { id: instanceId },
        { timeoutMs: 600_000 },
      );
    },
    async projectCredentials(serverId, instanceId) {
      const { credentials } = await connectedSession(serverId).call('instances.credentials', {
        id: instanceId,
      });
      for (const v of Object.values(credentials)) if (typeof v === 'string') remember(v);
      return credentials;
    },
    async diagnoseProject(serverId, instanceId) {
      return (
        await connectedSession(serverId).call(
          'instances.diagnose',
          { id: instanceId },
          { timeoutMs: 300_000 },
        )
      ).report;
    },
    async repairProject(serverId, instanceId, opts) {
      const params: { id: string; dryRun?: boolean } = { id: instanceId };
      if (opts?.dryRun !== undefined) params.dryRun = opts.dryRun;
      return connectedSession(serverId).call('instances.repair', params, { timeoutMs: 600_000 });
    },
    async projectStats(serverId, instanceId) {
      return (await connectedSession(serverId).call('stats.instance', { id: instanceId })).services;
    },

    async openProject(serverId, instanceId, target: OpenTarget) {
      const session = connectedSession(serverId);
      const { instance } = await session.call('instances.get', { id: instanceId });
      const url = instance.urls[target];
      const profile = requireProfile(serverId);
      if (profile.kind === 'local' || instance.exposure === 'public') return { url };
      const link = connections.get(serverId)?.link;
      if (!link?.forward)
        throw new UltrabaseError('FORWARD_FAILED', 'This server cannot forward ports.');
      const remotePort = urlPort(url);
      const key = `${serverId}|${remotePort}`;
      let handle = forwards.get(key);
      if (!handle) {
        const forward = link.forward.bind(link);
        handle = startPortForward(
          () => forward('127.0.0.1', remotePort),
          (err) => logger.warn('port forward failed', { serverId, remotePort, error: err.message }),
        );
        forwards.set(key, handle);
        handle.catch(() => forwards.delete(key));
      }
      return { url: rewriteUrl(url, (await handle).localPort) };
    },

    async followLogs(serverId, instanceId, opts) {
      const o: { service?: string; tail?: number } = {};
      if (opts?.service !== undefined) o.service = opts.service;
      o.tail = opts?.tail ?? store.settings().logTail;
      const stream = await connectedSession(serverId).followLogs(instanceId, o);
      streamOwner.set(stream, serverId);
      return { stream };
    },
    async readLogs(serverId, instanceId, opts) {
      const o: { service?: string; tail?: number } = {};
      if (opts?.service !== undefined) o.service = opts.service;
      o.tail = opts?.tail ?? store.settings().logTail;
      return connectedSession(serverId).readLogs(instanceId, o);
    },
    async ackStream(stream, bytes) {
      const owner = streamOwner.get(stream);
      if (owner) connections.get(owner)?.session.ackLog(stream, bytes);
    },
    async closeStream(stream) {
      const owner = streamOwner.get(stream);
      streamOwner.delete(stream);
      if (owner) await connections.get(owner)?.session.closeLog(stream);
    },

    async listUsers(serverId) {
      return (await connectedSession(serverId).call('users.list', {})).users;
    },
    async createUser(serverId, input) {
      remember(input.password);
      return (await connectedSession(serverId).call('users.create', input)).user;
    },
    async updateUser(serverId, input) {
      if (input.password) remember(input.password);
      return (await connectedSession(serverId).call('users.update', input)).user;
    },
    async deleteUser(serverId, username) {
      await connectedSession(serverId).call('users.delete', { username });
    },
    async grantProject(serverId, username, instanceId) {
      return (await connectedSession(serverId).call('users.grant', { username, instanceId })).user;
    },
    async revokeProject(serverId, username, instanceId) {
      return (await connectedSession(serverId).call('users.revoke', { username, instanceId })).user;
    },

    async getSettings() {
      return store.settings();
    },
    async updateSettings(patch) {
      return store.updateSettings(patch);
    },

    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    inspect(serverId) {
      const c = connections.get(serverId);
      return c ? { session: c.session, link: c.link } : {};
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(
        [...connections.keys()].map((id) => api.disconnectServer(id).catch(() => {})),
      );
      listeners.clear();
    },
  };

  // Every failure leaving the core passes here: a secret the core handled must never ride out
  // in a message (an agent or ssh error can echo input), and a non-Ultrabase error gets a code.
  const guarded = api as unknown as Record<string, unknown>;
  for (const [name, fn] of Object.entries(api)) {
    if (typeof fn !== 'function' || name === 'onEvent' || name === 'inspect') continue;
    guarded[name] = async (...args: unknown[]) => {
      try {
        return await (fn as (...a: unknown[]) => Promise<unknown>).apply(api, args);
      } catch (err) {
        const e =
          err instanceof UltrabaseError
            ? err
            : new UltrabaseError(
                'INTERNAL',
                `Unexpected failure in ${name}: ${(err as Error)?.message ?? String(err)}`,
              );
        const data = redactFields(e.data, knownSecrets);
        throw new UltrabaseError(e.code, redactText(e.message, knownSecrets), data);
      }
    };
  }
  const checked: DesktopApi = api;
  void checked;
  return api;
}
