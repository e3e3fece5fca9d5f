import { AgentError } from '../agent-error';
import { ErrorCode } from '@protocol/error-codes';
import type { StreamDataParams, StreamEndParams } from '@protocol/rpc';

/**
 * One server → client stream with ack-based flow control: every `stream.data` carries the byte
 * size of its `data`, the client acknowledges consumed bytes, and `send` returns false once the
 * unacknowledged bytes reach the window, which is the producer's cue to pause its source.
 * Sending past the window is still allowed (the one batch in hand must go somewhere); the
 * producer is trusted to stop reading, as Node's own `Writable.write` contract does.
 */
export interface OutboundStream {
  readonly id: string;
  send(data: unknown): boolean;
  /**
   * As `send`, for data that is already one JSON value (UTF-8), whole or in consecutive parts:
   * it is not encoded again, and the parts are copied once, into the message.
   */
  sendEncoded(dataJson: Buffer | readonly Buffer[]): boolean;
  /** Called once each time the window reopens after `send` returned false. */
  onDrain(listener: () => void): void;
  /** The client cancelled or disconnected: stop the source. */
  onCancel(listener: () => void): void;
  end(error?: { code: string; message: string }): void;
  readonly ended: boolean;
}

export type NotificationWriter = (method: string, params: unknown) => void;
/** Writes a notification whose params are already JSON text, in consecutive parts. */
export type EncodedNotificationWriter = (method: string, paramsParts: readonly Buffer[]) => void;

const PARAMS_END = Buffer.from('}');

export class StreamSet {
  private readonly streams = new Map<string, ManagedStream>();
  private counter = 0;

  constructor(
    private readonly notify: NotificationWriter,
    private readonly windowBytes: number,
    /** Each open stream is filtered and buffered for separately: a connection gets a few. */
    private readonly maxStreams = Infinity,
    /** Without it, pre-encoded data is parsed and sent as any other. */
    private readonly notifyEncoded?: EncodedNotificationWriter,
  ) {}

  open(windowBytes = this.windowBytes): OutboundStream {
    if (this.streams.size >= this.maxStreams) {
      throw new AgentError(
        ErrorCode.BUSY,
        `This connection already has ${this.streams.size} open streams; cancel one first.`,
        { limit: this.maxStreams },
      );
    }
    const id = `s${++this.counter}`;
    const stream = new ManagedStream(
      id,
      this.notify,
      windowBytes,
      () => this.streams.delete(id),
      this.notifyEncoded,
    );
    this.streams.set(id, stream);
    return stream;
  }

  get size(): number {
    return this.streams.size;
  }

  has(id: string): boolean {
    return this.streams.has(id);
  }

  ack(id: string, bytes: number): void {
    this.streams.get(id)?.ack(bytes);
  }

  cancel(id: string): boolean {
    const stream = this.streams.get(id);
    if (!stream) return false;
    stream.cancel();
    return true;
  }

  /** The connection went away: every source must stop, and nothing more can be sent. */
  closeAll(): void {
    for (const stream of [...this.streams.values()]) stream.cancel(false);
  }
}

class ManagedStream implements OutboundStream {
  private seq = 0;
  private sent = 0;
  private acked = 0;
  private paused = false;
  private drainListeners: Array<() => void> = [];
  private cancelListeners: Array<() => void> = [];
  ended = false;

  constructor(
    readonly id: string,
    private readonly notify: NotificationWriter,
    private readonly windowBytes: number,
    private readonly forget: () => void,
    private readonly notifyEncoded?: EncodedNotificationWriter,
  ) {}

  send(data: unknown): boolean {
    if (this.ended) return false;
    // Encoded once: the size is that of the text that goes out.
    const json = Buffer.from(JSON.stringify(data) ?? 'null');
    if (this.notifyEncoded) return this.sendEncoded(json);
    const bytes = json.length;
    this.sent += bytes;
    const params: StreamDataParams = { stream: this.id, seq: ++this.seq, bytes, data };
    this.notify('stream.data', params);
    return this.window();
  }

  sendEncoded(dataJson: Buffer | readonly Buffer[]): boolean {
    if (this.ended) return false;
    const parts = Buffer.isBuffer(dataJson) ? [dataJson] : dataJson;
    if (!this.notifyEncoded) return this.send(JSON.parse(Buffer.concat(parts).toString('utf8')));
    let bytes = 0;
    for (const p of parts) bytes += p.length;
    this.sent += bytes;
    const head = `{"stream":${JSON.stringify(this.id)},"seq":${++this.seq},"bytes":${bytes},"data":`;
    this.notifyEncoded('stream.data', [Buffer.from(head), ...parts, PARAMS_END]);
    return this.window();
  }

  private window(): boolean {
    if (this.sent - this.acked >= this.windowBytes) this.paused = true;
    return !this.paused;
  }

  ack(bytes: number): void {
    if (!Number.isFinite(bytes) || bytes <= 0) return;
    // Acknowledging more than was sent is a client bug; clamp so the window cannot grow beyond.
    this.acked = Math.min(this.sent, this.acked + bytes);
    if (this.paused && this.sent - this.acked < this.windowBytes) {
      this.paused = false;
      for (const listener of this.drainListeners) listener();
    }
  }

  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
  }

  onCancel(listener: () => void): void {
    this.cancelListeners.push(listener);
  }

  end(error?: { code: string; message: string }): void {
    if (this.ended) return;
    this.ended = true;
    this.forget();
    const params: StreamEndParams = error ? { stream: this.id, error } : { stream: this.id };
    this.notify('stream.end', params);
  }

  /** Stops the source; tells the client the stream is over when it can still hear it. */
  cancel(notifyClient = true): void {
    if (this.ended) return;
    for (const listener of this.cancelListeners) listener();
    if (notifyClient) this.end();
    else {
      this.ended = true;
      this.forget();
    }
  }
}
