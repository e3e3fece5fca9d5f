// Test support, never imported by the app: an in-memory agent behind an AgentLink, so the
// session's reconnect, re-login, log resume and acknowledgement accounting run in
// milliseconds. It speaks the real wire format (one JSON-RPC message per line) through the
// real RpcClient; only the agent's side is a small model.
import { Duplex, PassThrough } from 'node:stream';
import { UltrabaseError } from '@contract/errors';
import type { AgentEvent, Instance, LogLine } from '@protocol/types';
import { PROTOCOL_VERSION } from '@protocol/rpc';
import { encodeLine, LineDecoder } from '@common/line-decoder';
import type { AgentLink } from '../servers/link';

interface Request {
  id?: number;
  method: string;
  params: Record<string, unknown>;
}

interface LogStream {
  stream: string;
  instanceId: string;
  connection: Connection;
}

interface Connection {
  toClient: PassThrough;
  channel: Duplex;
  loggedIn: boolean;
  streams: Set<string>;
  events?: string;
}

/** The agent's side: accounts, sessions, log history, and what the client sent. */
export class FakeAgent {
  password = 'correct horse battery';
  readonly username = 'admin';
  /** The role sessions get (a staff user's list is not mirrored by the core). */
  role: 'admin' | 'user' = 'admin';
  /** The registry `instances.list` answers with, in order. */
  readonly instances = new Map<string, Instance>();
  /** While set, `instances.list` answers only when this resolves (to order events around it). */
  holdList: Promise<void> | undefined;
  /** Every request the client made, in order (method names). */
  readonly requests: string[] = [];
  /** `stream.ack` notifications received: which stream, how many bytes. */
  readonly acks: Array<{ stream: string; bytes: number }> = [];
  /** Log history per instance, oldest first; `follow` tails it, `appendLog` extends it. */
  readonly logs = new Map<string, LogLine[]>();
  /** The next `open()` calls fail with this code, one per call, while the count lasts. */
  refuse = { count: 0, code: 'CONNECTION_REFUSED' as 'CONNECTION_REFUSED' | 'SSH_AUTH_FAILED' };
  /** What `backups.download` answers: its result and the items it streams, then the end. */
  download?: {
    result: Record<string, unknown>;
    items: unknown[];
    error?: { code: string; message: string };
    /** Items wait for this after the reply (a download cancelled while it streams). */
    hold?: Promise<void>;
  };
  private tokens = new Set<string>();
  private nextStream = 1;
  private nextToken = 1;
  private readonly logStreams = new Map<string, LogStream>();
  private current: Connection | undefined;

  count(method: string): number {
    return this.requests.filter((m) => m === method).length;
  }

  /** The agent restarted: its sessions are gone, so a resume fails and the client logs in. */
  forgetSessions(): void {
    this.tokens.clear();
  }

  /** The link dies underneath (SSH dropped, child exited): the channel closes. */
  drop(): void {
    const c = this.current;
    this.current = undefined;
    if (!c) return;
    for (const s of c.streams) this.logStreams.delete(s);
    c.channel.destroy();
  }

  /** New log lines: kept in history and sent on every open follow stream of the instance. */
  appendLog(instanceId: string, lines: LogLine[]): void {
    this.logs.set(instanceId, [...(this.logs.get(instanceId) ?? []), ...lines]);
    for (const s of this.logStreams.values()) {
      if (s.instanceId === instanceId) this.sendData(s.connection, s.stream, lines);
    }
  }

  /** A registry change: applied, then pushed on the event stream as the agent's registry does. */
  change(event: AgentEvent): void {
    if (event.type === 'instance.changed') this.instances.set(event.instance.id, event.instance);
    if (event.type === 'instance.deleted') this.instances.delete(event.instanceId);
    this.push(event);
  }

  /** An event pushed to the subscriber without touching the registry (a late, queued one). */
  push(event: AgentEvent): void {
    const c = this.current;
    if (c?.events) this.sendData(c, c.events, event);
  }

  /** Called by the link: a fresh channel to this agent. */
  connect(): Duplex {
    if (this.refuse.count > 0) {
      this.refuse.count--;
      throw new UltrabaseError(this.refuse.code, 'The fake agent refused the connection.');
    }
    const fromClient = new PassThrough();
    const toClient = new PassThrough();
    const channel = Duplex.from({ readable: toClient, writable: fromClient });
    const connection: Connection = { toClient, channel, loggedIn: false, streams: new Set() };
    const decoder = new LineDecoder(1 << 20, {
      line: (line) => this.onRequest(connection, JSON.parse(line) as Request),
      oversized: () => {},
    });
    fromClient.on('data', (chunk: Buffer) => decoder.push(chunk));
    this.current = connection;
    return channel;
  }

  private onRequest(c: Connection, req: Request): void {
    if (req.id === undefined) {
      if (req.method === 'stream.ack') {
        this.acks.push({ stream: String(req.params.stream), bytes: Number(req.params.bytes) });
      }
      return;
    }
    this.requests.push(req.method);
    const id = req.id;
    const reply = (result: unknown) => this.send(c, { jsonrpc: '2.0', id, result });
    const fail = (code: string, message: string) =>
      this.send(c, { jsonrpc: '2.0', id, error: { code: -32000, message, data: { code } } });
    const session = () => {
      const token = `tok-${this.nextToken++}`;
      this.tokens.add(token);
      c.loggedIn = true;
      return {
        token,
        expiresAt: '2099-01-01T00:00:00Z',
        user: {
          username: this.username,
          role: this.role,
          disabled: false,
          grants: [],
          createdAt: '',
        },
      };
    };
    switch (req.method) {
      case 'session.hello':
        return reply({ agentVersion: '0.0.0-fake', protocol: PROTOCOL_VERSION, capabilities: [] });
      case 'auth.login':
        if (req.params.username !== this.username || req.params.password !== this.password)
          return fail('INVALID_CREDENTIALS', 'Wrong user name or password.');
        return reply(session());
      case 'auth.resume':
        if (!this.tokens.delete(String(req.params.token)))
          return fail('UNAUTHENTICATED', 'The session expired.');
        return reply(session());
      case 'auth.logout':
        return reply({ ok: true });
      case 'events.subscribe':
        c.events = this.openStream(c);
        return reply({ stream: c.events });
      case 'instances.list': {
        // The answer is the registry as it is now, even when sent later (holdList).
        const snapshot = [...this.instances.values()];
        if (this.holdList) void this.holdList.then(() => reply({ instances: snapshot }));
        else reply({ instances: snapshot });
        return;
      }
      case 'logs.follow': {
        if (!c.loggedIn) return fail('UNAUTHENTICATED', 'Log in first.');
        const instanceId = String(req.params.id);
        const stream = this.openStream(c);
        reply({ stream });
        const history = this.logs.get(instanceId) ?? [];
        const tail = typeof req.params.tail === 'number' ? req.params.tail : history.length;
        const lines = tail === 0 ? [] : history.slice(-tail);
        if (lines.length > 0) this.sendData(c, stream, lines);
        if (req.params.follow === false) {
          this.send(c, { jsonrpc: '2.0', method: 'stream.end', params: { stream } });
        } else {
          this.logStreams.set(stream, { stream, instanceId, connection: c });
        }
        return;
      }
      case 'backups.download': {
        if (!this.download) return fail('BACKUP_NOT_FOUND', 'The fake agent has no backup.');
        const { result, items, error, hold } = this.download;
        const stream = this.openStream(c);
        reply({ stream, ...result });
        void (hold ?? Promise.resolve()).then(() => {
          for (const item of items) this.sendData(c, stream, item);
          const end = error ? { stream, error } : { stream };
          this.send(c, { jsonrpc: '2.0', method: 'stream.end', params: end });
        });
        return;
      }
      case 'stream.cancel':
        this.logStreams.delete(String(req.params.stream));
        return reply({ ok: true });
      default:
        return fail('METHOD_NOT_FOUND', `The fake agent has no ${req.method}.`);
    }
  }

  private openStream(c: Connection): string {
    const stream = `st-${this.nextStream++}`;
    c.streams.add(stream);
    return stream;
  }

  private sendData(c: Connection, stream: string, data: unknown): void {
    const bytes = Buffer.byteLength(JSON.stringify(data));
    this.send(c, {
      jsonrpc: '2.0',
      method: 'stream.data',
      params: { stream, seq: 0, bytes, data },
    });
  }

  private send(c: Connection, message: unknown): void {
    if (!c.channel.destroyed) c.toClient.write(encodeLine(message));
  }
}

/** The AgentLink over a FakeAgent; `open` fails while the agent refuses. */
export class FakeAgentLink implements AgentLink {
  opens = 0;
  private readonly downListeners = new Set<() => void>();

  constructor(readonly agent: FakeAgent) {}

  async open(): Promise<Duplex> {
    this.opens++;
    return this.agent.connect();
  }

  onDown(listener: () => void): void {
    this.downListeners.add(listener);
  }

  /** Drops the agent's connection and tells the session the link went down. */
  drop(): void {
    this.agent.drop();
    for (const l of this.downListeners) l();
  }

  async close(): Promise<void> {
    this.agent.drop();
  }
}
