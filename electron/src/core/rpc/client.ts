import type { Duplex } from 'node:stream';
import { UltrabaseError } from '@contract/errors';
import type { JsonRpcMessage, StreamDataParams, StreamEndParams } from '@protocol/rpc';
import { MAX_MESSAGE_BYTES, StreamNotification } from '@protocol/rpc';
import type { MethodName, ParamsOf, ResultOf } from '@protocol/methods';
import { encodeLine, LineDecoder } from '@common/line-decoder';
import type { StreamMethod, StreamPayloads } from './stream-payloads';

export interface StreamHandler<T = unknown> {
  data(params: StreamDataParams<T>): void;
  end(error?: { code: string; message: string }): void;
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

interface Pending {
  method: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout | undefined;
  cleanup(): void;
}

export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
/** Notifications for a stream id not yet registered (data can overtake the caller). */
const EARLY_BUFFER_LIMIT = 256;

/**
 * JSON-RPC 2.0 client over any byte stream (an SSH channel, a child's stdio). Typed by the
 * agent's method table, so `call('instances.get', {id})` returns `{instance}`.
 */
export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<string, StreamHandler>();
  private readonly early = new Map<string, Array<{ method: string; params: unknown }>>();
  private closedError: UltrabaseError | undefined;
  private readonly closeListeners = new Set<(err: UltrabaseError) => void>();

  constructor(
    private readonly channel: Duplex,
    private readonly defaults: { timeoutMs?: number } = {},
  ) {
    const decoder = new LineDecoder(MAX_MESSAGE_BYTES * 4, {
      line: (line) => this.onLine(line),
      oversized: () => {},
    });
    channel.on('data', (chunk: Buffer) =>
      decoder.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)),
    );
    const lost = () =>
      this.fail(new UltrabaseError('CONNECTION_LOST', 'The connection to the agent was lost.'));
    channel.on('close', lost);
    channel.on('end', lost);
    channel.on('error', lost);
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  onClose(listener: (err: UltrabaseError) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  call<M extends MethodName>(
    method: M,
    params: ParamsOf<M>,
    options: CallOptions = {},
  ): Promise<ResultOf<M>> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? this.defaults.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const onAbort = () => {
        this.settle(id);
        reject(new UltrabaseError('CANCELLED', `The request ${method} was cancelled.`));
      };
      const entry: Pending = {
        method,
        resolve: resolve as (v: unknown) => void,
        reject,
        timer:
          timeoutMs > 0
            ? setTimeout(() => {
                this.settle(id);
                reject(
                  new UltrabaseError(
                    'TIMEOUT',
                    `The agent did not answer ${method} within ${Math.round(timeoutMs / 1000)} s.`,
                    {
                      method,
                    },
                  ),
                );
              }, timeoutMs)
            : undefined,
        cleanup: () => options.signal?.removeEventListener('abort', onAbort),
      };
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, entry);
      this.write({ jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    if (!this.closedError) this.write({ jsonrpc: '2.0', method, params });
  }

  /**
   * Registers the consumer of a stream that `method` opened; notifications that arrived first
   * are replayed. The method names the payload type (stream-payloads.ts).
   */
  attachStream<M extends StreamMethod>(
    method: M,
    stream: string,
    handler: StreamHandler<StreamPayloads[M]>,
  ): void {
    // The payload is trusted to match the agent's table, as every call result is.
    this.streams.set(stream, handler as StreamHandler);
    const queued = this.early.get(stream);
    this.early.delete(stream);
    for (const n of queued ?? []) this.dispatchStream(n.method, n.params);
  }

  detachStream(stream: string): void {
    this.streams.delete(stream);
    this.early.delete(stream);
  }

  ack(stream: string, bytes: number): void {
    if (bytes > 0) this.notify(StreamNotification.ACK, { stream, bytes });
  }

  close(): void {
    this.fail(new UltrabaseError('CONNECTION_LOST', 'The connection to the agent was closed.'));
    this.channel.destroy();
  }

  private write(message: JsonRpcMessage): void {
    this.channel.write(encodeLine(message));
  }

  private settle(id: number): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    entry.cleanup();
    return entry;
  }

  private fail(err: UltrabaseError): void {
    if (this.closedError) return;
    this.closedError = err;
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(err);
    for (const handler of this.streams.values())
      handler.end({ code: err.code, message: err.message });
    this.streams.clear();
    for (const l of this.closeListeners) l(err);
  }

  private onLine(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return; // a peer bug; the agent never sends partial JSON
    }
    if (typeof msg !== 'object' || msg === null) return;
    if ('id' in msg && ('result' in msg || 'error' in msg)) {
      if (typeof msg.id !== 'number') return;
      const entry = this.settle(msg.id);
      if (!entry) return;
      if ('error' in msg) entry.reject(toError(msg.error, entry.method));
      else entry.resolve(msg.result);
      return;
    }
    if (typeof msg.method === 'string') this.dispatchStream(msg.method, msg.params);
  }

  private dispatchStream(method: string, params: unknown): void {
    if (method !== StreamNotification.DATA && method !== StreamNotification.END) return;
    const p = params as { stream?: unknown };
    if (typeof p?.stream !== 'string') return;
    const handler = this.streams.get(p.stream);
    if (!handler) {
      const queue = this.early.get(p.stream) ?? [];
      if (queue.length < EARLY_BUFFER_LIMIT) queue.push({ method, params });
      this.early.set(p.stream, queue);
      return;
    }
    if (method === StreamNotification.DATA) handler.data(params as StreamDataParams);
    else {
      this.streams.delete(p.stream);
      handler.end((params as StreamEndParams).error);
    }
  }
}

function toError(error: unknown, method: string): UltrabaseError {
  const e = error as { message?: unknown; data?: { code?: unknown } & Record<string, unknown> };
  // A newer agent's unknown code passes through unchanged rather than becoming INTERNAL.
  const code = typeof e?.data?.code === 'string' ? e.data.code : 'INTERNAL';
  const message = typeof e?.message === 'string' ? e.message : `The agent refused ${method}.`;
  const data: Record<string, unknown> = { ...(e?.data ?? {}) };
  delete data.code;
  return new UltrabaseError(code, message, Object.keys(data).length > 0 ? data : undefined);
}
