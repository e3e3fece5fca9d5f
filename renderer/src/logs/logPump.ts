import type { LogLine } from '../../../electron/src/contract/api';

/** The terminal as the pump sees it: xterm's `write(data, callback)`. */
export interface LogSink {
  write(data: string, done: () => void): void;
}

export type Scheduler = (run: () => void) => void;

/** One write to xterm carries at most this much text, so a frame never parses megabytes. */
export const MAX_BATCH_CHARS = 64 * 1024;

interface Chunk {
  text: string;
  bytes: number;
  lines: number;
}

/**
 * Moves log data from the stream to the terminal in frame-sized batches, one write in flight at a
 * time, and acknowledges a chunk's bytes only after xterm has parsed it. The agent stops reading
 * when too many bytes are unacknowledged, so a flood is throttled at its source instead of
 * piling up in this window; pausing simply stops writing (and so stops acknowledging).
 */
export class LogPump {
  private queue: Chunk[] = [];
  private writing = false;
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

  close(): void {
    this.closed = true;
    this.queue = [];
  }

  private kick(): void {
    if (this.scheduled || this.writing || this.paused || this.closed || this.queue.length === 0) {
      return;
    }
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.writing || this.paused || this.closed) return;
    let text = '';
    let bytes = 0;
    let lines = 0;
    // Whole chunks only: a chunk's bytes are acknowledged exactly once, after all of it is shown.
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (text.length > 0 && text.length + next.text.length > MAX_BATCH_CHARS) break;
      this.queue.shift();
      text += next.text;
      bytes += next.bytes;
      lines += next.lines;
    }
    if (lines === 0 && bytes === 0) return;
    this.writing = true;
    this.sink.write(text, () => {
      this.writing = false;
      if (this.closed) return;
      this.shownLines += lines;
      if (bytes > 0) this.ack(bytes);
      this.kick();
    });
  }
}
