import type { Readable, Writable } from 'node:stream';
import { AgentError, asCodedError, toRpcError } from '../errors';
import { ErrorCode } from '../protocol/errors';
import type { JsonRpcFailure, RequestId } from '../protocol/rpc';
import { LineDecoder } from '../common/line-decoder';
import { StreamSet, type OutboundStream } from './streams';

/** What a method handler gets besides its params. */
export interface CallContext {
  /** The connection's id: where a login attempt comes from, for the limiter. */
  readonly connectionId: string;
  /** Unique within the agent's lifetime: `<connection>:<JSON-RPC id>`, for logs. */
  readonly requestId: string;
  openStream(): OutboundStream;
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

export interface RpcConnectionOptions {
  id: string;
  input: Readable;
  output: Writable;
  dispatch: Dispatch;
  maxMessageBytes: number;
  windowBytes: number;
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
  let open = true;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));

  const write = (message: unknown): void => {
    if (!open || output.destroyed || output.writableEnded) return;
    output.write(JSON.stringify(message) + '\n');
  };
  const notify = (method: string, params: unknown): void =>
    write({ jsonrpc: '2.0', method, params });
  const streams = new StreamSet(notify, options.windowBytes);

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
    const hasId = 'id' in m;
    const id = m.id;
    const validId = typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
    if (!hasId && ('result' in m || 'error' in m)) return; // a stray response: nothing to answer
    if (m.jsonrpc !== '2.0' || typeof m.method !== 'string' || (hasId && !validId)) {
      fail(validId ? (id as RequestId) : null, invalidRequest('"jsonrpc": "2.0" and a "method"'));
      return;
    }
    if (!hasId) {
      handleNotification(m.method, m.params);
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
    try {
      const result =
        method === 'stream.cancel'
          ? cancelStream(params)
          : await options.dispatch(method, params, {
              requestId,
              connectionId: options.id,
              openStream: () => streams.open(),
            });
      write({ jsonrpc: '2.0', id, result });
    } catch (error) {
      const rpcError = toRpcError(error);
      code = String(rpcError.data.code);
      if (!asCodedError(error)) internal = error;
      fail(id, error);
    } finally {
      options.onCall?.({
        requestId,
        method,
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

  const finish = (): void => {
    if (!open) return;
    open = false;
    streams.closeAll();
    options.onClose?.();
    resolveClosed();
  };

  input.on('data', (chunk: Buffer | string) =>
    decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk),
  );
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
