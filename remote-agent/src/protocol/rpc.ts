import type { ErrorData } from './error-codes';

/** Bumped when a change breaks older peers. `session.hello` refuses a mismatch. */
export const PROTOCOL_VERSION = 1;

/** One JSON-RPC message per line; a longer line is refused with MESSAGE_TOO_LARGE. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Flow control: the agent stops reading a stream's source when this many bytes of `stream.data`
 * are sent but not acknowledged with `stream.ack`, and resumes when acknowledgements catch up.
 */
export const STREAM_WINDOW_BYTES = 256 * 1024;

/**
 * A log stream's window: a flood is limited by window ÷ round trip, and a round trip on a busy
 * host (three processes waking in turn) takes milliseconds, so 256 KiB capped it near
 * 30 MB/s. The desktop's consumer still paces it (it acknowledges after xterm parsed).
 */
export const LOG_STREAM_WINDOW_BYTES = 2 * 1024 * 1024;

export type RequestId = number | string;

export interface JsonRpcRequest<P = unknown> {
  jsonrpc: '2.0';
  id: RequestId;
  method: string;
  params?: P;
}

export interface JsonRpcNotification<P = unknown> {
  jsonrpc: '2.0';
  method: string;
  params?: P;
}

export interface JsonRpcSuccess<R = unknown> {
  jsonrpc: '2.0';
  id: RequestId;
  result: R;
}

export interface JsonRpcFailure {
  jsonrpc: '2.0';
  id: RequestId | null;
  error: { code: number; message: string; data: ErrorData };
}

export type JsonRpcResponse<R = unknown> = JsonRpcSuccess<R> | JsonRpcFailure;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

/**
 * Notifications that carry streams (agent → client): every stream-opening method returns
 * `{ stream }`, then data arrives as `stream.data` and the end as `stream.end`.
 * The client acknowledges consumed bytes with the `stream.ack` notification (client → agent),
 * and may close a stream early with the `stream.cancel` request.
 */
export interface StreamDataParams<T = unknown> {
  stream: string;
  /** Monotonic per stream, from 1. */
  seq: number;
  /** Size in bytes of this notification's serialized `data`, the unit of `stream.ack`. */
  bytes: number;
  data: T;
}

export interface StreamEndParams {
  stream: string;
  error?: { code: string; message: string };
}

export interface StreamAckParams {
  stream: string;
  bytes: number;
}

export const StreamNotification = {
  DATA: 'stream.data',
  END: 'stream.end',
  ACK: 'stream.ack',
} as const;
