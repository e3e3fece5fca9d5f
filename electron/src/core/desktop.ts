import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UltrabaseError } from '@contract/errors';
import type { DesktopApi, DesktopEvent, Exposure, ProjectView, LogLine } from '@contract/api';
import type { Instance, OptionalServices, ProjectSize } from '@protocol/types';
import { createProfileStore } from './profiles/profile-store';
import { createKeytarSecretStore, type SecretStore } from './profiles/secret-store';
import { readSshConfig } from './profiles/ssh-config';
import { Redactor } from '@common/redact';
import { createRedactingLogger, silentLogger, type Logger } from './logging/logger';
import { parseKnownHosts, type KnownHostEntry } from './ssh/known-hosts';
import { describeLocalAgent } from './bootstrap/local-agent';
import { nodeBinarySpawner, type NodeSpawner } from './bootstrap/node-spawner';
import type { LocalAgent } from './bootstrap/plan';
import type { AgentSession } from './servers/agent-session';
import { staffForwardingRefused, type SshLinkDeps } from './servers/ssh-link';
import type { AgentLink } from './servers/link';
import { ServerDirectory } from './servers/server-directory';
import { ConnectionPool, toProjectView } from './servers/connection-pool';
import { createProjectsApi } from './projects-api';
import {
  BackupDownloads,
  addBackupDestination,
  cloneBackupToServer,
  defaultDownloadDir,
  removeBackupDestination,
  saveBackupKey,
} from './backups-api';
import { guardErrors } from './guard-errors';
import { DumpImports } from './import-api';

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
  /**
   * Runs the local agent and reads the bundle's version. Default: the Node binary at `nodePath`,
   * or this process's own binary, which is Node only outside Electron (the shell injects one).
   */
  node?: NodeSpawner;
  /** A Node binary for the default spawner (default: this process). */
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
  /** Absent: the agent's default size. */
  size?: ProjectSize;
  /** Absent keys: the agent's defaults (everything but the logs pair). */
  optionalServices?: OptionalServices;
}

/**
 * The desktop core as the shell and the CLI hold it: the contract, plus what only they need
 * (closing, dry-run creation, reading logs without following, the pieces behind a server).
 */
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

type LocalAgentInfo = LocalAgent & { bundlePath: string; bundle: Buffer };

/**
 * Composes the core: the server directory (what servers exist), the connection pool (live
 * sessions, forwards, streams), the routed agent calls, and the error guard around all of it.
 * The methods here are the few that join those pieces.
 */
export function createDesktop(options: DesktopOptions): Desktop {
  const secrets = options.secrets ?? createKeytarSecretStore();
  const redactor = new Redactor();
  const remember = (secret: string) => redactor.addSecret(secret);
  const logger = createRedactingLogger(options.logger ?? silentLogger, redactor);
  const node = options.node ?? nodeBinarySpawner(options.nodePath ?? process.execPath);
  const listeners = new Set<(e: DesktopEvent) => void>();
  let localAgent: Promise<LocalAgentInfo> | undefined;
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

  const downloads = new BackupDownloads();
  const directory = new ServerDirectory({
    store: createProfileStore(options.home),
    secrets,
    withLocal: options.localServer ?? true,
    remember,
    logger,
  });

  const ssh: SshLinkDeps = {
    profile: (id) => directory.get(id),
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
        node,
        ...(options.nodeRuntimePath ? { runtimePath: options.nodeRuntimePath } : {}),
      }).catch((err) => {
        localAgent = undefined;
        throw err;
      });
      return localAgent;
    },
    remember,
  };

  const pool = new ConnectionPool({
    directory,
    ssh,
    secrets,
    logger,
    home: options.home,
    agentBundlePath: options.agentBundlePath,
    node,
    clientName: options.clientName ?? 'ultrabase-desktop',
    remember,
    emit,
  });

  const viewOf = (id: string) => directory.view(directory.require(id), pool.statusOf(id));
  const announce = async (id: string) => {
    const server = await viewOf(id);
    emit({ type: 'server.state', server });
    return server;
  };
  /** One profile lookup per list, not per instance: conf re-reads settings.json on every get. */
  const projectsOf = (serverId: string) => {
    const name = directory.nameOf(serverId);
    return (instance: Instance): ProjectView => toProjectView(serverId, name, instance);
  };

  const routed = createProjectsApi({
    session: (serverId) => pool.connected(serverId),
    context: (serverId) => ({ serverId, project: projectsOf(serverId), remember }),
  });

  const dumpImports = new DumpImports();

  const api: Desktop = {
    ...routed,

    listServers: () =>
      Promise.all(directory.list().map((p) => directory.view(p, pool.statusOf(p.id)))),

    async addServer(input) {
      const profile = await directory.add(input);
      return announce(profile.id);
    },

    async updateServer(id, patch) {
      await directory.update(id, patch);
      return announce(id);
    },

    async removeServer(id) {
      directory.checkRemovable(id);
      await pool.drop(id);
      await directory.forget(id);
      emit({ type: 'server.removed', serverId: id });
    },

    readSshConfig: (path) => readSshConfig(path),

    async connectServer(id) {
      directory.require(id);
      await pool.session(id).connect();
      return viewOf(id);
    },

    async trustHostKey(id, fingerprint) {
      await directory.trustHostKey(id, fingerprint, ssh);
      return announce(id);
    },

    async disconnectServer(id) {
      directory.require(id);
      await pool.disconnect(id);
    },

    async listProjects(serverId) {
      // From each session's copy kept by the agent's events when it has one (no round trip).
      if (serverId !== undefined) {
        const instances = await pool.connected(serverId).listInstances();
        return instances.map(projectsOf(serverId));
      }
      const results = await Promise.all(
        pool.live().map(async ([id, session]) => {
          try {
            const instances = await session.listInstances();
            return instances.map(projectsOf(id));
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
      const r = await pool.connected(serverId).call(
        'instances.create',
        {
          name: input.name,
          exposure: input.exposure ?? directory.settings().defaultExposure,
          ...(input.dryRun ? { dryRun: true } : {}),
          ...(input.size ? { size: input.size } : {}),
          ...(input.optionalServices ? { optionalServices: input.optionalServices } : {}),
        },
        { timeoutMs: 120_000 },
      );
      return { project: projectsOf(serverId)(r.instance), queuePosition: r.queuePosition };
    },

    async openProject(serverId, instanceId, target) {
      const { instance } = await pool.connected(serverId).call('instances.get', { id: instanceId });
      const url = instance.urls[target];
      const profile = directory.require(serverId);
      if (profile.kind === 'local' || instance.exposure === 'public') return { url };
      // Refused before a local listener exists: every browser connection would fail silently.
      if (profile.access === 'staff') throw staffForwardingRefused(serverId);
      return { url: await pool.forwardedUrl(serverId, url) };
    },

    async followLogs(serverId, instanceId, opts) {
      const stream = await pool.followLogs(serverId, instanceId, logOptions(opts));
      return { stream };
    },
    readLogs: (serverId, instanceId, opts) => pool.readLogs(serverId, instanceId, logOptions(opts)),
    async ackStream(stream, bytes) {
      pool.ackStream(stream, bytes);
    },
    closeStream: (stream) => pool.closeStream(stream),

    getSettings: async () => directory.settings(),
    updateSettings: async (patch) => directory.updateSettings(patch),

    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    inspect: (serverId) => pool.inspect(serverId),

    saveBackupKey: (serverId) =>
      saveBackupKey({ serverId, session: pool.connected(serverId), secrets, remember }),
    addBackupDestination: (serverId, input) =>
      addBackupDestination({
        serverId,
        session: pool.connected(serverId),
        secrets,
        remember,
        input,
      }),
    removeBackupDestination: (serverId, id) =>
      removeBackupDestination({ serverId, session: pool.connected(serverId), secrets, id }),
    async downloadBackup(serverId, instanceId, backupId, options) {
      const { downloadId } = downloads.start({
        serverId,
        session: pool.connected(serverId),
        instanceId,
        backupId,
        outDir: options?.outDir ?? defaultDownloadDir(),
        roles: options?.roles,
        destination: options?.destination,
      });
      return { downloadId };
    },
    backupDownload: async (downloadId) => downloads.get(downloadId),
    cancelBackupDownload: async (downloadId) => downloads.cancel(downloadId),
    cloneBackupToServer: (fromServerId, instanceId, options) =>
      cloneBackupToServer({
        fromServerId,
        instanceId,
        options,
        secrets,
        remember,
        sourceSession: () => pool.live().find(([id]) => id === fromServerId)?.[1],
        targetSession: pool.connected(options.toServer),
        project: projectsOf(options.toServer),
      }),

    startDumpImport: async (serverId, input) =>
      dumpImports.start(serverId, pool.connected(serverId), input, (report) =>
        projectsOf(serverId)(report.instance),
      ),
    dumpImportStatus: async (importId) => dumpImports.status(importId),
    cancelDumpImport: async (importId) => dumpImports.cancel(importId),
    chooseImportPath: () => {
      throw new UltrabaseError(
        'INVALID_STATE',
        'Choosing a file needs the desktop app; on the command line, name the file instead.',
      );
    },

    async close() {
      if (closed) return;
      closed = true;
      await pool.closeAll();
      listeners.clear();
    },
  };

  function logOptions(opts: { service?: string; tail?: number } | undefined) {
    return { service: opts?.service, tail: opts?.tail ?? directory.settings().logTail };
  }

  // Every failure leaving the core passes the guard: no secret in a message, always a code.
  return guardErrors(api, redactor, ['onEvent', 'inspect']);
}
