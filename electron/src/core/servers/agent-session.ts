import { randomBytes } from 'node:crypto';
import { UltrabaseError } from '@contract/errors';
import type { ConnectionState, UserPublic } from '@contract/api';
import type { AgentEvent, Instance, LogLine, LogSource, RecoveryProgress } from '@protocol/types';
import type { MethodName, ParamsOf, ResultOf } from '@protocol/methods';
import { PROTOCOL_VERSION } from '@protocol/rpc';
import { RpcClient, type CallOptions } from '../rpc/client';
import type { StreamMethod, StreamPayloads } from '../rpc/stream-payloads';
import { backoffDelay, isRetryable } from '../ssh/backoff';
import type { Logger } from '../logging/logger';
import type { AgentLink } from './link';
import { LogCursor } from './log-resume';
import { linesOfBatch } from './log-batch';
import { InstanceMirror } from './instance-mirror';

export interface SessionStatus {
  state: ConnectionState;
  error?: { code: string; message: string; data?: Record<string, unknown> };
  agent?: { version: string; protocol: number };
  user?: UserPublic;
  /** The agent's start-up recovery pass under way (filled in by the connection pool). */
  recovery?: RecoveryProgress;
}

export interface SessionHooks {
  onStatus(status: SessionStatus): void;
  onEvent(event: AgentEvent): void;
  onLogData(stream: string, lines: LogLine[], bytes: number): void;
  onLogEnd(stream: string, error?: { code: string; message: string }): void;
}

export interface SessionOptions {
  serverId: string;
  link: AgentLink;
  credentials(): Promise<{ username: string; password: string }>;
  hooks: SessionHooks;
  logger: Logger;
  clientName: string;
  /** How long a call waits for a reconnect in progress before answering NOT_CONNECTED. */
  reconnectWaitMs?: number;
  /** Milliseconds before reconnect attempt n (from 0); default exponential backoff with jitter. */
  retryDelay?(attempt: number): number;
  /**
   * Where the agent session token outlives this process (the keychain), so the next connect
   * resumes it instead of a scrypt login. Without it the token lives in memory only.
   */
  tokenStore?: TokenStore;
}

/** The agent session token of one server, kept in the OS keychain. */
export interface TokenStore {
  get(): Promise<string | undefined>;
  set(token: string): Promise<void>;
  clear(): Promise<void>;
}

/** A project list sent with the connect is handed to the first list call within this long. */
const PREFETCH_TTL_MS = 2_000;

type Sent = {
  resume?: Promise<ResultOf<'auth.resume'>>;
  subscribe?: Promise<ResultOf<'events.subscribe'>>;
  list?: Promise<ResultOf<'instances.list'>>;
};

interface LogSubscription {
  id: string;
  instanceId: string;
  service?: string;
  tail?: number;
  agentStream?: string;
  cursor: LogCursor;
  /** Bytes delivered on the current agent stream and not yet acknowledged by the consumer. */
  unacked: number;
  /** Bytes delivered on an agent stream that no longer exists (before a reconnect). */
  staleUnacked: number;
  /** How the agent reads this log (its file or the Engine API), once it said so. */
  source?: LogSource;
  /** Acknowledged bytes not yet sent to `ackTarget` (sent once per turn of the event loop). */
  ackDue: number;
  ackTarget?: { rpc: RpcClient; stream: string };
  ackScheduled: boolean;
}

/** Acknowledged log bytes sent without waiting for the end of the event-loop turn. */
const EAGER_ACK_BYTES = 512 * 1024;

/** History replayed when a log stream is reopened after a reconnect, to bridge the gap. */
const RESUME_TAIL = 1000;

function asError(err: unknown): UltrabaseError {
  if (err instanceof UltrabaseError) return err;
  return new UltrabaseError('INTERNAL', (err as Error)?.message ?? String(err));
}

/**
 * One server's agent session: hello, login, event subscription, log streams, and reconnection
 * with backoff that resumes the session token (or logs in again) and reopens every stream.
 */
export class AgentSession {
  status: SessionStatus = { state: 'disconnected' };
  private rpc: RpcClient | undefined;
  private token: string | undefined;
  private wanted = false;
  private connecting: Promise<void> | undefined;
  private readonly logs = new Map<string, LogSubscription>();
  private readonly waiters = new Set<() => void>();
  /** `instances.list` sent along with the connect, for the first list call (the first cards). */
  private prefetched: { at: number; result: Promise<ResultOf<'instances.list'>> } | undefined;
  /** The instance list kept by the events (admin sessions: they hear about every instance). */
  private readonly mirror = new InstanceMirror();

  constructor(private readonly options: SessionOptions) {
    options.link.onDown(() => this.rpc?.close());
  }

  get connected(): boolean {
    return this.status.state === 'connected' && this.rpc !== undefined;
  }

  connect(): Promise<void> {
    this.wanted = true;
    if (this.connected) return Promise.resolve();
    this.connecting ??= this.establish(false).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /**
   * Closes the connection. The agent session survives it (until its 24 h expiry, a password
   * change or the user's disabling), so the next connect resumes it; `logout` ends it too
   * (the server is being removed).
   */
  async disconnect(options: { logout?: boolean } = {}): Promise<void> {
    this.wanted = false;
    const rpc = this.rpc;
    this.rpc = undefined;
    this.prefetched = undefined;
    this.mirror.reset();
    if (options.logout) {
      if (rpc && this.token) {
        await rpc.call('auth.logout', {}, { timeoutMs: 2000 }).catch(() => {});
      }
      await this.options.tokenStore?.clear().catch(() => {});
    }
    // A kept token is read from the store on the next connect, which checks it still belongs
    // to the profile's agent user (the profile may change meanwhile).
    if (options.logout || this.options.tokenStore) this.token = undefined;
    rpc?.close();
    await this.options.link.close();
    for (const sub of this.logs.values())
      this.options.hooks.onLogEnd(sub.id, { code: 'NOT_CONNECTED', message: 'Disconnected.' });
    this.logs.clear();
    this.setStatus({ state: 'disconnected' });
  }

  async call<M extends MethodName>(
    method: M,
    params: ParamsOf<M>,
    options?: CallOptions,
  ): Promise<ResultOf<M>> {
    const rpc = await this.ready();
    const early = this.prefetched;
    if (early && method === 'instances.list' && Object.keys(params ?? {}).length === 0) {
      this.prefetched = undefined;
      if (Date.now() - early.at <= PREFETCH_TTL_MS) {
        const result = await early.result.catch(() => undefined);
        if (result) return result as ResultOf<M>;
      }
    }
    return rpc.call(method, params, options);
  }

  /**
   * The server's instances: from the copy the events keep when there is one (no round trip),
   * else from the agent.
   */
  async listInstances(): Promise<Instance[]> {
    const kept = await this.mirror.list();
    if (kept) return kept;
    return (await this.call('instances.list', {})).instances;
  }

  async followLogs(
    instanceId: string,
    options: { service?: string; tail?: number },
  ): Promise<string> {
    const sub: LogSubscription = {
      id: 'log-' + randomBytes(8).toString('hex'),
      instanceId,
      cursor: new LogCursor(),
      unacked: 0,
      staleUnacked: 0,
      ackDue: 0,
      ackScheduled: false,
    };
    if (options.service !== undefined) sub.service = options.service;
    if (options.tail !== undefined) sub.tail = options.tail;
    await this.openLog(await this.ready(), sub, false);
    this.logs.set(sub.id, sub);
    return sub.id;
  }

  /** The last lines of an instance's logs without following (the CLI's `logs` without -f). */
  async readLogs(
    instanceId: string,
    options: { service?: string; tail?: number },
  ): Promise<LogLine[]> {
    const rpc = await this.ready();
    const params: ParamsOf<'logs.follow'> = { id: instanceId, follow: false };
    if (options.service !== undefined) params.service = options.service;
    if (options.tail !== undefined) params.tail = options.tail;
    const { stream } = await rpc.call('logs.follow', params);
    const lines: LogLine[] = [];
    await new Promise<void>((resolve, reject) =>
      rpc.attachStream('logs.follow', stream, {
        data: (p) => {
          lines.push(...linesOfBatch(p.data).lines);
          rpc.ack(stream, p.bytes);
        },
        end: (error) => (error ? reject(new UltrabaseError(error.code, error.message)) : resolve()),
      }),
    );
    return lines;
  }

  /**
   * Reads a one-shot agent stream to its end (a backup download): `opened` gets the method's
   * result first, then `data` each batch in order; a batch is acknowledged only once `data`
   * settled, so the agent's source waits for a slow disk. A failing handler, or `options.signal`,
   * cancels the stream.
   */
  async consumeStream<M extends StreamMethod>(
    method: M,
    params: ParamsOf<M>,
    handlers: {
      opened(result: ResultOf<M>): void | Promise<void>;
      data(payload: StreamPayloads[M]): void | Promise<void>;
    },
    options: CallOptions = {},
  ): Promise<void> {
    const rpc = await this.ready();
    const result = await rpc.call(method, params, options);
    const stream = (result as { stream: string }).stream;
    let chain: Promise<void> = Promise.resolve().then(() => handlers.opened(result));
    let failed = false;
    await new Promise<void>((resolve, reject) => {
      const fail = (error: unknown) => {
        if (failed) return;
        failed = true;
        rpc.detachStream(stream);
        void rpc.call('stream.cancel', { stream }, { timeoutMs: 5000 }).catch(() => {});
        reject(error);
      };
      chain.catch(fail);
      // `options.signal` also stops the stream once open (the agent stops its source).
      const signal = options.signal;
      const cancelled = () => fail(new UltrabaseError('CANCELLED', 'The transfer was cancelled.'));
      if (signal?.aborted) cancelled();
      else signal?.addEventListener('abort', cancelled, { once: true });
      rpc.attachStream(method, stream, {
        data: (p) => {
          chain = chain.then(async () => {
            if (failed) return;
            await handlers.data(p.data);
            rpc.ack(stream, p.bytes);
          });
          chain.catch(fail);
        },
        end: (error) => {
          rpc.detachStream(stream);
          void chain.then(
            () => (error ? reject(new UltrabaseError(error.code, error.message)) : resolve()),
            fail,
          );
        },
      });
    });
  }

  /** How the agent reads a followed log: its file on disk or the Engine API (once it said). */
  logSource(stream: string): LogSource | undefined {
    return this.logs.get(stream)?.source;
  }

  hasStream(stream: string): boolean {
    return this.logs.has(stream);
  }

  ackLog(stream: string, bytes: number): void {
    const sub = this.logs.get(stream);
    if (!sub) return;
    let rest = bytes;
    const stale = Math.min(rest, sub.staleUnacked);
    sub.staleUnacked -= stale;
    rest -= stale;
    rest = Math.min(rest, sub.unacked);
    sub.unacked -= rest;
    if (rest > 0 && sub.agentStream) this.queueAck(sub, sub.agentStream, rest);
  }

  /**
   * The consumer's acknowledgements of one turn of the event loop go to the agent as one
   * message: a flood delivers several batches per socket read, and each ack costs an SSH packet
   * and a socket write (~0.15 ms each on the bench rig, 20-30 ms per 100,000 lines).
   */
  private queueAck(sub: LogSubscription, agentStream: string, bytes: number): void {
    const rpc = this.rpc;
    if (!rpc) return;
    if (sub.ackTarget?.rpc !== rpc || sub.ackTarget.stream !== agentStream) {
      // What was due to an older stream is owed to no one now (ids restart per connection).
      sub.ackTarget = { rpc, stream: agentStream };
      sub.ackDue = 0;
    }
    sub.ackDue += bytes;
    // A quarter of the agent's 2 MiB log window goes out at once: a long burst must not hold
    // back the credit the agent needs to keep reading.
    if (sub.ackDue >= EAGER_ACK_BYTES) {
      rpc.ack(agentStream, sub.ackDue);
      sub.ackDue = 0;
      return;
    }
    if (sub.ackScheduled) return;
    sub.ackScheduled = true;
    setImmediate(() => {
      sub.ackScheduled = false;
      const due = sub.ackDue;
      const target = sub.ackTarget;
      sub.ackDue = 0;
      if (
        due > 0 &&
        target &&
        target.rpc === this.rpc &&
        target.stream === sub.agentStream &&
        this.logs.get(sub.id) === sub
      ) {
        target.rpc.ack(target.stream, due);
      }
    });
  }

  async closeLog(stream: string): Promise<void> {
    const sub = this.logs.get(stream);
    if (!sub) return;
    this.logs.delete(stream);
    if (sub.agentStream && this.rpc) {
      this.rpc.detachStream(sub.agentStream);
      await this.rpc
        .call('stream.cancel', { stream: sub.agentStream }, { timeoutMs: 5000 })
        .catch(() => {});
    }
  }

  private async ready(): Promise<RpcClient> {
    if (this.rpc && this.status.state === 'connected') return this.rpc;
    if (this.wanted && (this.status.state === 'reconnecting' || this.connecting)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, this.options.reconnectWaitMs ?? 20_000);
        this.waiters.add(done);
      });
      if (this.rpc && this.status.state === 'connected') return this.rpc;
    }
    throw new UltrabaseError('NOT_CONNECTED', 'This server is not connected: connect it first.', {
      serverId: this.options.serverId,
    });
  }

  private setStatus(status: SessionStatus): void {
    this.status = status;
    this.options.hooks.onStatus(status);
    if (
      status.state !== 'connecting' &&
      status.state !== 'bootstrapping' &&
      status.state !== 'reconnecting'
    ) {
      for (const w of [...this.waiters]) w();
    }
  }

  private async establish(reconnecting: boolean): Promise<void> {
    this.setStatus({ state: reconnecting ? 'reconnecting' : 'connecting' });
    let rpc: RpcClient | undefined;
    try {
      // The keychain read overlaps the SSH handshake.
      const stored = this.token
        ? Promise.resolve(this.token)
        : (this.options.tokenStore?.get().catch(() => undefined) ?? Promise.resolve(undefined));
      let opened = await this.openAndGreet(reconnecting, stored);
      if (!opened.confirmed) {
        // A shortcut open reached an agent of another version: open again, checking in full.
        opened.rpc.close();
        opened = await this.openAndGreet(reconnecting, Promise.resolve(this.token));
      }
      rpc = opened.rpc;
      const { hello, sent } = opened;
      const session = await this.authenticate(rpc, sent.resume);
      this.rpc = rpc;
      const mine = rpc;
      rpc.onClose(() => this.lost(mine));
      this.mirror.reset();
      // Grants filter a user's events but a grant change sends none, so only an admin's copy
      // (every instance, every event) can stand in for the list.
      const mirrored = session.user.role === 'admin';
      await this.subscribeEvents(rpc, session.resumed ? sent : {}, mirrored);
      if (session.resumed && sent.list) this.prefetched = { at: Date.now(), result: sent.list };
      for (const sub of this.logs.values()) await this.openLog(rpc, sub, true);
      this.setStatus({
        state: 'connected',
        agent: { version: hello.agentVersion, protocol: hello.protocol },
        user: session.user,
      });
    } catch (err) {
      // Forget it before closing, so its close handler does not start a second reconnect loop.
      if (this.rpc === rpc) this.rpc = undefined;
      rpc?.close();
      const raw = asError(err);
      const e = this.options.link.explainFailure?.(raw) ?? raw;
      if (!reconnecting) {
        this.setStatus({ state: 'error', error: e.toJSON() });
        await this.options.link.close().catch(() => {});
      }
      throw e;
    }
  }

  /**
   * Opens a channel and writes hello, and with a token also auth.resume, events.subscribe and
   * instances.list, all at once: the agent handles a connection's messages in order, so the
   * connect costs one round trip instead of four. A hello that fails after a shortcut open
   * (the link skipped its install probe) opens again the long way.
   */
  private async openAndGreet(
    reconnecting: boolean,
    tokenLookup: Promise<string | undefined>,
  ): Promise<{ rpc: RpcClient; hello: ResultOf<'session.hello'>; confirmed: boolean; sent: Sent }> {
    for (let attempt = 0; ; attempt++) {
      const channel = await this.options.link.open((step) => {
        if (
          !reconnecting &&
          step !== 'ssh' &&
          step !== 'probe' &&
          step !== 'tunnel' &&
          this.status.state !== 'bootstrapping'
        ) {
          this.setStatus({ state: 'bootstrapping' });
        }
      });
      const rpc = new RpcClient(channel);
      const hello = rpc.call(
        'session.hello',
        { protocol: PROTOCOL_VERSION, client: this.options.clientName },
        { timeoutMs: 15_000 },
      );
      const sent: Sent = {};
      const token = await tokenLookup;
      if (token) {
        sent.resume = rpc.call('auth.resume', { token });
        sent.subscribe = rpc.call('events.subscribe', {});
        sent.list = rpc.call('instances.list', {});
        // Whoever does not use them must not see an unhandled rejection.
        for (const p of [sent.resume, sent.subscribe, sent.list]) p.catch(() => {});
      }
      try {
        const answer = await hello;
        if (answer.protocol !== PROTOCOL_VERSION) {
          throw new UltrabaseError(
            'AGENT_INCOMPATIBLE',
            `The agent speaks protocol ${answer.protocol}; this app speaks ${PROTOCOL_VERSION}.`,
          );
        }
        const confirmed = this.options.link.agentAnswered?.(answer.agentVersion) ?? true;
        return { rpc, hello: answer, confirmed, sent };
      } catch (err) {
        rpc.close();
        if (attempt === 0 && this.options.link.forgetShortcut?.()) continue;
        throw err;
      }
    }
  }

  private async authenticate(
    rpc: RpcClient,
    resuming: Promise<ResultOf<'auth.resume'>> | undefined,
  ): Promise<ResultOf<'auth.login'> & { resumed: boolean }> {
    if (resuming) {
      try {
        const resumed = await resuming;
        this.token = resumed.token;
        return { ...resumed, resumed: true };
      } catch {
        this.token = undefined;
        await this.options.tokenStore?.clear().catch(() => {});
      }
    }
    const { username, password } = await this.options.credentials();
    const session = await rpc.call('auth.login', { username, password });
    this.token = session.token;
    await this.options.tokenStore?.set(session.token).catch((err: unknown) =>
      this.options.logger.warn('could not keep the agent session in the keychain', {
        serverId: this.options.serverId,
        error: (err as Error).message,
      }),
    );
    return { ...session, resumed: false };
  }

  /**
   * Subscribes to the agent's events (or uses the subscription sent with the connect) and,
   * for `mirrored`, fills the instance copy from a list asked for right after it.
   */
  private async subscribeEvents(rpc: RpcClient, sent: Sent, mirrored: boolean): Promise<void> {
    let subscribing = sent.subscribe;
    let list = subscribing ? sent.list : undefined;
    if (!subscribing || !(await subscribing.then(() => true).catch(() => false))) {
      subscribing = rpc.call('events.subscribe', {});
      // Written right after the subscription, so the list holds every change before its events.
      list = mirrored ? rpc.call('instances.list', {}) : undefined;
      list?.catch(() => {});
    }
    // Loaded before the stream is attached: the events queued for it are applied on top.
    if (mirrored && list) this.mirror.load(list);
    const { stream } = await subscribing;
    rpc.attachStream('events.subscribe', stream, {
      data: (p) => {
        rpc.ack(stream, p.bytes);
        if (this.rpc === rpc) this.mirror.apply(p.data);
        this.options.hooks.onEvent(p.data);
      },
      // Without its events the copy would go stale: lists go to the agent until the reconnect.
      end: () => {
        if (this.rpc === rpc) this.mirror.reset();
      },
    });
  }

  private async openLog(rpc: RpcClient, sub: LogSubscription, resume: boolean): Promise<void> {
    if (resume) {
      sub.cursor.resume();
      sub.staleUnacked += sub.unacked;
      sub.unacked = 0;
    }
    // Records: the agent ships the container's json-file lines as read (logs/json-file-*.ts).
    const params: ParamsOf<'logs.follow'> = {
      id: sub.instanceId,
      follow: true,
      format: 'records',
    };
    if (sub.service !== undefined) params.service = sub.service;
    const tail = resume ? Math.max(sub.tail ?? 0, RESUME_TAIL) : sub.tail;
    if (tail !== undefined) params.tail = tail;
    const { stream } = await rpc.call('logs.follow', params);
    sub.agentStream = stream;
    rpc.attachStream('logs.follow', stream, {
      data: (p) => {
        const batch = linesOfBatch(p.data);
        if (batch.source && batch.source !== sub.source) {
          sub.source = batch.source;
          this.options.logger.info('log stream source', {
            serverId: this.options.serverId,
            instanceId: sub.instanceId,
            source: batch.source === 'file' ? 'container log file' : 'Docker Engine API',
          });
        }
        const lines = sub.cursor.accept(batch.lines);
        if (lines.length === 0) {
          rpc.ack(stream, p.bytes);
          return;
        }
        sub.unacked += p.bytes;
        this.options.hooks.onLogData(sub.id, lines, p.bytes);
      },
      end: (error) => {
        // A lost connection ends every stream locally: those are reopened by the reconnect.
        if (error?.code === 'CONNECTION_LOST' && this.wanted) return;
        if (sub.agentStream !== stream) return;
        this.logs.delete(sub.id);
        this.options.hooks.onLogEnd(sub.id, error);
      },
    });
  }

  private lost(rpc: RpcClient): void {
    if (this.rpc !== rpc) return;
    this.rpc = undefined;
    this.mirror.reset();
    if (!this.wanted) return;
    this.options.logger.warn('agent connection lost; reconnecting', {
      serverId: this.options.serverId,
    });
    void this.reconnectLoop();
  }

  private async reconnectLoop(): Promise<void> {
    this.setStatus({ state: 'reconnecting' });
    for (let attempt = 0; this.wanted; attempt++) {
      try {
        await this.establish(true);
        return;
      } catch (err) {
        const e = asError(err);
        if (!this.wanted) return;
        if (!isRetryable(e.code)) {
          // Retrying a refused login or a changed host key would only lock the account or
          // hide an attack: stop and tell the person.
          this.setStatus({ state: 'error', error: e.toJSON() });
          for (const sub of this.logs.values()) this.options.hooks.onLogEnd(sub.id, e.toJSON());
          this.logs.clear();
          return;
        }
        this.setStatus({ state: 'reconnecting', error: e.toJSON() });
        await new Promise((r) => setTimeout(r, (this.options.retryDelay ?? backoffDelay)(attempt)));
      }
    }
  }
}
