import { join } from 'node:path';
import { UltrabaseError } from '@contract/errors';
import type { DesktopEvent, ProjectView } from '@contract/api';
import type { AgentEvent, Instance, LogLine } from '@protocol/types';
import type { SecretStore } from '../profiles/secret-store';
import type { Logger } from '../logging/logger';
import {
  rewriteUrl,
  startPortForward,
  urlPort,
  type ForwardHandle,
} from '../forwards/port-forwards';
import { RememberedPorts } from '../forwards/remembered-ports';
import type { NodeSpawner } from '../bootstrap/node-spawner';
import { AgentSession, type SessionStatus } from './agent-session';
import { ServerRecoveries } from './server-recoveries';
import { agentTokenStore } from './agent-token-store';
import type { AgentLink } from './link';
import { LocalLink } from './local-link';
import { SshLink, type SshLinkDeps } from './ssh-link';
import type { ServerDirectory } from './server-directory';

export interface ConnectionPoolOptions {
  directory: ServerDirectory;
  ssh: SshLinkDeps;
  secrets: SecretStore;
  logger: Logger;
  /** Settings directory: the local agent keeps its data under it. */
  home: string;
  agentBundlePath: string;
  /** Runs the local agent (the bundle) as a Node program. */
  node: NodeSpawner;
  clientName: string;
  remember(secret: string): void;
  emit(event: DesktopEvent): void;
}

interface Connection {
  session: AgentSession;
  link: AgentLink;
}

type LogOptions = { service?: string; tail?: number };

/**
 * The live side of every server: one agent session and link each, the local port forwards
 * opened through them, and which server owns each log stream. Sessions are created on first
 * use and kept (with their reconnect loop) until disconnected.
 */
export class ConnectionPool {
  private readonly connections = new Map<string, Connection>();
  private readonly streamOwner = new Map<string, string>();
  private readonly forwards = new Map<string, Promise<ForwardHandle>>();
  private readonly recoveries = new ServerRecoveries();
  private rememberedPorts: RememberedPorts | undefined;

  constructor(private readonly options: ConnectionPoolOptions) {}

  /** The session for a server, created (not connected) on first use. */
  session(serverId: string): AgentSession {
    return this.connection(serverId).session;
  }

  /** The session of a server the person connected; NOT_CONNECTED otherwise. */
  connected(serverId: string): AgentSession {
    this.options.directory.require(serverId);
    const c = this.connections.get(serverId);
    if (!c) {
      throw new UltrabaseError('NOT_CONNECTED', 'This server is not connected: connect it first.', {
        serverId,
      });
    }
    return c.session;
  }

  /** Servers with a live session, for calls that fan out (listing every project). */
  live(): Array<[string, AgentSession]> {
    return [...this.connections.entries()]
      .filter(([, c]) => c.session.connected)
      .map(([id, c]) => [id, c.session]);
  }

  statusOf(serverId: string): SessionStatus {
    const status = this.connections.get(serverId)?.session.status ?? {
      state: 'disconnected' as const,
    };
    return this.recoveries.withStatus(serverId, status);
  }

  async disconnect(serverId: string): Promise<void> {
    await this.releaseForwards(serverId);
    const c = this.connections.get(serverId);
    if (!c) return;
    for (const [stream, owner] of this.streamOwner)
      if (owner === serverId) this.streamOwner.delete(stream);
    await c.session.disconnect();
  }

  /** Disconnects and drops the session (the server is being removed). */
  async drop(serverId: string): Promise<void> {
    const c = this.connections.get(serverId);
    // Removing the server ends its agent session too (a plain disconnect keeps it to resume).
    if (c?.session.connected) {
      await this.releaseForwards(serverId);
      await c.session.disconnect({ logout: true });
    }
    await this.disconnect(serverId);
    this.connections.delete(serverId);
  }

  async closeAll(): Promise<void> {
    await Promise.all(
      [...this.connections.keys()].map((id) => this.disconnect(id).catch(() => {})),
    );
  }

  inspect(serverId: string): { session?: AgentSession; link?: AgentLink } {
    const c = this.connections.get(serverId);
    return c ? { session: c.session, link: c.link } : {};
  }

  // ---- log streams ----

  async followLogs(serverId: string, instanceId: string, options: LogOptions): Promise<string> {
    const stream = await this.connected(serverId).followLogs(instanceId, options);
    this.streamOwner.set(stream, serverId);
    return stream;
  }

  readLogs(serverId: string, instanceId: string, options: LogOptions): Promise<LogLine[]> {
    return this.connected(serverId).readLogs(instanceId, options);
  }

  ackStream(stream: string, bytes: number): void {
    const owner = this.streamOwner.get(stream);
    if (owner) this.connections.get(owner)?.session.ackLog(stream, bytes);
  }

  async closeStream(stream: string): Promise<void> {
    const owner = this.streamOwner.get(stream);
    this.streamOwner.delete(stream);
    if (owner) await this.connections.get(owner)?.session.closeLog(stream);
  }

  // ---- port forwards ----

  /** The URL to open on this machine: a loopback forward to the server's port (kept and reused). */
  async forwardedUrl(serverId: string, url: string): Promise<string> {
    const link = this.connections.get(serverId)?.link;
    if (!link?.forward)
      throw new UltrabaseError('FORWARD_FAILED', 'This server cannot forward ports.');
    const remotePort = urlPort(url);
    const key = `${serverId}|${remotePort}`;
    let handle = this.forwards.get(key);
    if (!handle) {
      const forward = link.forward.bind(link);
      this.rememberedPorts ??= new RememberedPorts(join(this.options.home, 'forward-ports.json'));
      const remembered = this.rememberedPorts;
      // The port used last time, else the server's own number: the project's URLs name
      // 127.0.0.1:<server port>, so they work here as they are whenever that port is free.
      const preferred = [remembered.get(key), remotePort].filter(
        (p): p is number => p !== undefined,
      );
      handle = startPortForward(
        () => forward('127.0.0.1', remotePort),
        (err) =>
          this.options.logger.warn('port forward failed', {
            serverId,
            remotePort,
            error: err.message,
          }),
        preferred,
      );
      void handle.then((h) => remembered.set(key, h.localPort)).catch(() => undefined);
      this.forwards.set(key, handle);
      handle.catch(() => this.forwards.delete(key));
    }
    return rewriteUrl(url, (await handle).localPort);
  }

  private async releaseForwards(serverId: string): Promise<void> {
    for (const [key, handle] of this.forwards) {
      if (!key.startsWith(serverId + '|')) continue;
      this.forwards.delete(key);
      await handle.then((h) => h.close()).catch(() => {});
    }
  }

  // ---- construction ----

  private connection(serverId: string): Connection {
    const existing = this.connections.get(serverId);
    if (existing) return existing;
    const { directory, secrets, remember, emit, logger } = this.options;
    const profile = directory.require(serverId);
    const link: AgentLink =
      profile.kind === 'local'
        ? new LocalLink({
            node: this.options.node,
            bundlePath: this.options.agentBundlePath,
            dataDir: join(this.options.home, 'local-agent'),
            username: profile.agentUsername,
            secrets,
            remember,
          })
        : new SshLink(
            serverId,
            this.options.ssh,
            () => directory.get(serverId)?.agentUsername ?? profile.agentUsername,
          );
    const emitState = (): void => {
      const p = directory.get(serverId);
      if (!p) return;
      void directory
        .view(p, this.statusOf(serverId))
        .then((server) => emit({ type: 'server.state', server }));
    };
    const session: AgentSession = new AgentSession({
      serverId,
      link,
      clientName: this.options.clientName,
      logger,
      tokenStore: agentTokenStore(
        serverId,
        secrets,
        remember,
        () => directory.get(serverId)?.agentUsername,
      ),
      credentials: async () => {
        const p = directory.require(serverId);
        const password =
          link instanceof LocalLink
            ? await link.password()
            : await secrets.get(serverId, 'agentPassword');
        if (!password) {
          throw new UltrabaseError(
            'SECRET_MISSING',
            `No agent password is stored for ${p.name}: enter it to log in.`,
            { secret: 'agentPassword', serverId },
          );
        }
        remember(password);
        return { username: p.agentUsername, password };
      },
      hooks: {
        onStatus: () => {
          // A new connection hears the pass under way again first (the agent replays it).
          if (session.status.state !== 'connected') this.recoveries.forget(serverId);
          emitState();
          if (session.status.state !== 'connected') void this.releaseForwards(serverId);
        },
        onEvent: (event) => {
          if (event.type === 'agent.recovery') {
            this.recoveries.note(serverId, event.event);
            emitState();
            return;
          }
          const desktopEvent = toDesktopEvent(serverId, directory.nameOf(serverId), event);
          if (desktopEvent) emit(desktopEvent);
        },

        onLogData: (stream, lines, bytes) => emit({ type: 'stream.data', stream, lines, bytes }),
        onLogEnd: (stream, error) => {
          this.streamOwner.delete(stream);
          emit(error ? { type: 'stream.end', stream, error } : { type: 'stream.end', stream });
        },
      },
    });
    const c = { session, link };
    this.connections.set(serverId, c);
    return c;
  }
}

export function toProjectView(
  serverId: string,
  serverName: string,
  instance: Instance,
): ProjectView {
  return { ...instance, serverId, serverName };
}

/** An agent's push, as the desktop's event (undefined for pushes the desktop does not relay). */
function toDesktopEvent(
  serverId: string,
  serverName: string,
  event: AgentEvent,
): DesktopEvent | undefined {
  switch (event.type) {
    case 'instance.changed':
      return {
        type: 'project.changed',
        project: toProjectView(serverId, serverName, event.instance),
      };
    case 'instance.deleted':
      return { type: 'project.deleted', serverId, instanceId: event.instanceId };
    case 'instance.progress':
      return { type: 'project.progress', serverId, event: event.event };
    case 'instance.diagnosed':
      return {
        type: 'project.diagnosed',
        serverId,
        instanceId: event.instanceId,
        report: event.report,
        changed: event.changed,
      };
    case 'instance.repaired':
      return {
        type: 'project.repaired',
        serverId,
        instanceId: event.instanceId,
        result: event.result,
        automatic: event.automatic,
      };
    case 'bulk.progress':
      return {
        type: 'bulk.progress',
        serverId,
        job: event.job,
        ...(event.item ? { item: event.item } : {}),
      };
    case 'instance.applying':
      return { type: 'project.applying', serverId, event: event.event };
    default:
      return undefined;
  }
}
