import type { Readable, Writable } from 'node:stream';
import { AgentError, asCodedError, toRpcError } from '../agent-error';
import { ErrorCode } from '@protocol/error-codes';
import type { JsonRpcFailure, RequestId } from '@protocol/rpc';
import { encodeLine, LineDecoder } from '@common/line-decoder';
import type { Admission, AdmissionTicket } from './admission';
import { StreamSet, type OutboundStream } from './streams';

/** What a method handler gets besides its params. */
export interface CallContext {
  /** The connection's id: where a login attempt comes from, for the limiter. */
  readonly connectionId: string;
  /** Unique within the agent's lifetime: `<connection>:<JSON-RPC id>`, for logs. */
  readonly requestId: string;
  /** `windowBytes`: unacknowledged bytes before the source pauses (default: the connection's). */
  openStream(options?: { windowBytes?: number }): OutboundStream;
  /** The connection logged in (or out): before login it is held to a deadline and caps. */
  setAuthenticated(authenticated: boolean): void;
}

export type Dispatch = (method: string, params: unknown, ctx: CallContext) => Promise<unknown>;

export interface CallRecord {
  requestId: string;
  method: string;
  ms: number;
  code?: string;
  /** Set for failures that were not an AgentError: the real error, for the log only. */
  internal?: unknown;
}

/** What one connection may hold; every value is a config key (config/schema.ts `limits`). */
export interface ConnectionLimits {
  /** Requests being handled at once; more are answered BUSY at once. */
  maxPendingRequests: number;
  /** Replies waiting for a peer that does not read; past it the connection is closed. */
  maxBufferedBytes: number;
  /** Streams (events, logs, progress) open at once. */
  maxStreams: number;
  /**
   * From connecting to logging in. Generous: the desktop may ask a person for the agent
   * password between hello and login. The unauthenticated-connections cap bounds the cost.
   */
  loginDeadlineMs: number;
  /** Silence tolerated before logging in. */
  idleBeforeLoginMs: number;
}

export const CONNECTION_DEFAULTS: ConnectionLimits = {
  maxPendingRequests: 32,
  maxBufferedBytes: 8 * 1024 * 1024,
  maxStreams: 16,
  loginDeadlineMs: 120_000,
  idleBeforeLoginMs: 60_000,
};

/**
 * Codes anyone can provoke at will before login (a guessing loop, a flood, garbage): worth a
 * debug line, not an info line each. The audit log sums refused logins per name instead.
 */
const REFUSALS = new Set<string>([
  ErrorCode.PARSE_ERROR,
  ErrorCode.INVALID_REQUEST,
  ErrorCode.METHOD_NOT_FOUND,
  ErrorCode.HELLO_REQUIRED,
  ErrorCode.UNAUTHENTICATED,
]);

export function isRefusal(call: { method: string; code?: string }): boolean {
  if (call.code === undefined) return false;
  return call.method === 'auth.login' || REFUSALS.has(call.code);
}

const MESSAGE_END = Buffer.from('}\n');

/** Longer ids are refused, not echoed: an id is a counter or a uuid, not a payload. */
export const MAX_ID_LENGTH = 128;

export interface RpcConnectionOptions {
  id: string;
  input: Readable;
  output: Writable;
  dispatch: Dispatch;
  maxMessageBytes: number;
  windowBytes: number;
  limits?: Partial<ConnectionLimits>;
  /** Shared by all connections: the caps on how many are open. */
  admission?: Admission;
  onCall?(record: CallRecord): void;
  onClose?(): void;
}

export interface RpcConnection {
  readonly id: string;
  close(): void;
  readonly closed: Promise<void>;
}

/**
 * JSON-RPC 2.0 over any byte stream, one message per line. Requests run concurrently and are
 * answered in completion order. Bad input (not JSON, wrong shape, too long) is answered with an
 * error and the connection stays up: a confused client must not cost the others their session.
 */
export function serveRpc(options: RpcConnectionOptions): RpcConnection {
  const { input, output } = options;
  const limits = { ...CONNECTION_DEFAULTS, ...options.limits };
  let open = true;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let pending = 0;
  let authenticated = false;
  let ticket: AdmissionTicket | undefined;

  // Backpressure: a peer that does not read its replies stops being read from, and replies
  // that pile up anyway (answers already in progress) are bounded: past the cap, it is closed.
  let waitingForDrain = false;
  const write = (message: unknown): void => writeEncoded(encodeLine(message));
  const writeEncoded = (line: string | Buffer): void => {
    if (!open || output.destroyed || output.writableEnded) return;
    const fits = output.write(line);
    if (output.writableLength > limits.maxBufferedBytes) {
      abort();
      return;
    }
    if (!fits && !waitingForDrain) {
      waitingForDrain = true;
      input.pause();
      output.once('drain', () => {
        waitingForDrain = false;
        if (open) input.resume();
      });
    }
  };
  const notify = (method: string, params: unknown): void =>
    write({ jsonrpc: '2.0', method, params });
  // Stream data already encoded as JSON (log records read from disk) goes out without being
  // parsed and encoded again.
  const notifyEncoded = (method: string, paramsParts: readonly Buffer[]): void =>
    writeEncoded(
      Buffer.concat([
        Buffer.from(`{"jsonrpc":"2.0","method":${JSON.stringify(method)},"params":`),
        ...paramsParts,
        MESSAGE_END,
      ]),
    );
  const streams = new StreamSet(notify, options.windowBytes, limits.maxStreams, notifyEncoded);

  const fail = (id: RequestId | null, error: unknown): void => {
    const failure: JsonRpcFailure = { jsonrpc: '2.0', id, error: toRpcError(error) };
    write(failure);
  };

  const decoder = new LineDecoder(options.maxMessageBytes, {
    line: (text) => handleLine(text),
    oversized: (bytes) =>
      fail(
        null,
        new AgentError(
          ErrorCode.MESSAGE_TOO_LARGE,
          `The message was ${bytes} bytes long; the limit is ${options.maxMessageBytes}.`,
          { bytes, limit: options.maxMessageBytes },
        ),
      ),
  });

  function handleLine(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      fail(null, new AgentError(ErrorCode.PARSE_ERROR, 'The message is not valid JSON.'));
      return;
    }
    if (Array.isArray(message)) {
      fail(null, new AgentError(ErrorCode.INVALID_REQUEST, 'Batches are not supported.'));
      return;
    }
    if (typeof message !== 'object' || message === null) {
      fail(null, invalidRequest('a JSON object'));
      return;
    }
    const m = message as Record<string, unknown>;
    const hasId = Object.hasOwn(m, 'id');
    const id = m.id;
    const validId =
      (typeof id === 'string' && id.length <= MAX_ID_LENGTH) ||
      (typeof id === 'number' && Number.isFinite(id));
    if (!hasId && (Object.hasOwn(m, 'result') || Object.hasOwn(m, 'error'))) return; // a stray response
    if (m.jsonrpc !== '2.0' || typeof m.method !== 'string' || (hasId && !validId)) {
      fail(
        validId ? (id as RequestId) : null,
        invalidRequest(
          `"jsonrpc": "2.0", a "method" and an id of at most ${MAX_ID_LENGTH} characters`,
        ),
      );
      return;
    }
    if (!hasId) {
      handleNotification(m.method, m.params);
      return;
    }
    if (pending >= limits.maxPendingRequests) {
      fail(
        id as RequestId,
        new AgentError(
          ErrorCode.BUSY,
          `${pending} requests of this connection are still running; wait for their answers.`,
          { limit: limits.maxPendingRequests },
        ),
      );
      return;
    }
    void handleRequest(id as RequestId, m.method, m.params);
  }

  function handleNotification(method: string, params: unknown): void {
    if (method !== 'stream.ack' || typeof params !== 'object' || params === null) return;
    const { stream, bytes } = params as Record<string, unknown>;
    if (typeof stream === 'string' && typeof bytes === 'number') streams.ack(stream, bytes);
  }

  async function handleRequest(id: RequestId, method: string, params: unknown): Promise<void> {
    const started = performance.now();
    const requestId = `${options.id}:${String(id)}`;
    let code: string | undefined;
    let internal: unknown;
    pending++;
    try {
      // Only a connection with open streams (so past hello and login) cancels here; any other
      // stream.cancel goes through the dispatcher's hello, login and params checks like the rest.
      const result =
        method === 'stream.cancel' && streams.size > 0
          ? cancelStream(params)
          : await options.dispatch(method, params, {
              requestId,
              connectionId: options.id,
              openStream: (o) => streams.open(o?.windowBytes),
              setAuthenticated,
            });
      write({ jsonrpc: '2.0', id, result });
    } catch (error) {
      const rpcError = toRpcError(error);
      code = String(rpcError.data.code);
      if (!asCodedError(error)) internal = error;
      fail(id, error);
    } finally {
      pending--;
      options.onCall?.({
        requestId,
        method: method.slice(0, 100),
        ms: Math.round((performance.now() - started) * 10) / 10,
        ...(code ? { code } : {}),
        ...(internal ? { internal } : {}),
      });
    }
  }

  function cancelStream(params: unknown): { ok: true } {
    const stream = (params as { stream?: unknown } | null)?.stream;
    if (typeof stream !== 'string') {
      throw new AgentError(ErrorCode.INVALID_PARAMS, 'stream.cancel needs {"stream": "<id>"}.');
    }
    if (!streams.cancel(stream)) {
      throw new AgentError(ErrorCode.STREAM_NOT_FOUND, `There is no open stream "${stream}".`);
    }
    return { ok: true };
  }

  // Before login a connection is held to a deadline and must not sit silent: otherwise idle
  // anonymous connections (each with a partial message buffered) pile up until fds run out.
  let deadline: NodeJS.Timeout | undefined;
  let idle: NodeJS.Timeout | undefined;
  const timeOut = (why: string) => () => {
    fail(null, new AgentError(ErrorCode.TIMEOUT, why));
    abort();
  };
  const armIdle = (): void => {
    if (authenticated || !open) return;
    clearTimeout(idle);
    idle = setTimeout(
      timeOut(`Closed after ${limits.idleBeforeLoginMs / 1000} s without a message before login.`),
      limits.idleBeforeLoginMs,
    );
    idle.unref();
  };
  const clearTimers = (): void => {
    clearTimeout(deadline);
    clearTimeout(idle);
  };
  function setAuthenticated(yes: boolean): void {
    if (yes === authenticated || !open) return;
    authenticated = yes;
    ticket?.setAuthenticated(yes);
    clearTimers();
    if (!yes) armTimers();
  }
  function armTimers(): void {
    deadline = setTimeout(
      timeOut(`Closed: log in within ${limits.loginDeadlineMs / 1000} s of connecting.`),
      limits.loginDeadlineMs,
    );
    deadline.unref();
    armIdle();
  }

  const finish = (): void => {
    if (!open) return;
    open = false;
    clearTimers();
    ticket?.release();
    streams.closeAll();
    options.onClose?.();
    resolveClosed();
  };
  /** Closes without waiting for a peer that may never read what is buffered. */
  function abort(): void {
    finish();
    output.destroy();
    if ((input as unknown) !== output) input.destroy();
  }

  if (options.admission) {
    ticket = options.admission.admit();
    if (!ticket) {
      const busy = new AgentError(
        ErrorCode.BUSY,
        'The agent has too many connections open; try again shortly.',
      );
      output.end(encodeLine({ jsonrpc: '2.0', id: null, error: toRpcError(busy) }));
      // The peer may never read the refusal: do not keep its socket waiting for that.
      setTimeout(() => abort(), 1000).unref();
      open = false;
      resolveClosed();
      input.resume();
      return { id: options.id, closed, close: abort };
    }
  }
  armTimers();

  input.on('data', (chunk: Buffer | string) => {
    armIdle();
    decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  });
  input.on('end', finish);
  input.on('close', finish);
  input.on('error', finish);
  output.on('error', finish);
  output.on('close', finish);

  return {
    id: options.id,
    closed,
    close() {
      finish();
      if (!output.destroyed) output.end();
    },
  };
}

function invalidRequest(what: string): AgentError {
  return new AgentError(ErrorCode.INVALID_REQUEST, `A request must be ${what}.`);
}
