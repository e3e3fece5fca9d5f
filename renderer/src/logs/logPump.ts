import type { LogLine } from '@contract/api';

/** The terminal as the pump sees it: xterm's `write(data, callback)`. */
export interface LogSink {
  write(data: string, done: () => void): void;
}

export type Scheduler = (run: () => void) => void;

/** One write to xterm carries at most this much text. */
export const MAX_BATCH_CHARS = 128 * 1024;
/**
 * Text handed to xterm but not yet parsed. xterm parses its queue in time slices of a few
 * milliseconds per frame, so the window stays responsive however much is queued; this bound only
 * keeps memory flat and makes backpressure reach the agent instead of piling up here.
 */
export const MAX_IN_FLIGHT_CHARS = 512 * 1024;

interface Chunk {
  text: string;
  bytes: number;
  lines: number;
}

/**
 * Moves log data from the stream to the terminal in batches and acknowledges each batch's bytes
 * only after xterm has parsed it (its write callback). The agent stops reading its source when too
 * many bytes are unacknowledged, so a flood is throttled where it starts. Pausing stops writing,
 * and so stops acknowledging: the agent pauses too.
 */
export class LogPump {
  private queue: Chunk[] = [];
  private inFlightChars = 0;
  private scheduled = false;
  private paused = false;
  private closed = false;
  shownLines = 0;
  receivedLines = 0;

  constructor(
    private readonly sink: LogSink,
    private readonly ack: (bytes: number) => void,
    private readonly format: (line: LogLine) => string,
    private readonly schedule: Scheduler,
  ) {}

  push(lines: LogLine[], bytes: number): void {
    if (this.closed) return;
    let text = '';
    for (const line of lines) text += this.format(line);
    this.receivedLines += lines.length;
    this.queue.push({ text, bytes, lines: lines.length });
    this.kick();
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) this.kick();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get queuedChunks(): number {
    return this.queue.length;
  }

  get charsInFlight(): number {
    return this.inFlightChars;
  }

  close(): void {
    this.closed = true;
    this.queue = [];
  }

  /** Coalesces everything that arrives in one task into as few writes as possible. */
  private kick(): void {
    if (this.scheduled || this.paused || this.closed || this.queue.length === 0) return;
    if (this.inFlightChars >= MAX_IN_FLIGHT_CHARS) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (
      !this.paused &&
      !this.closed &&
      this.queue.length > 0 &&
      this.inFlightChars < MAX_IN_FLIGHT_CHARS
    ) {
      let text = '';
      let bytes = 0;
      let lines = 0;
      // Whole chunks only: a chunk's bytes are acknowledged once, after all of it is parsed.
      while (this.queue.length > 0) {
        const next = this.queue[0]!;
        if (text.length > 0 && text.length + next.text.length > MAX_BATCH_CHARS) break;
        this.queue.shift();
        text += next.text;
        bytes += next.bytes;
        lines += next.lines;
      }
      const size = text.length;
      this.inFlightChars += size;
      this.sink.write(text, () => {
        if (this.closed) return;
        this.inFlightChars -= size;
        this.shownLines += lines;
        if (bytes > 0) this.ack(bytes);
        this.kick();
      });
    }
  }
}
