import type { LogLine } from '@contract/api';

/** The terminal as the pump sees it: xterm's `write(data, callback)`. */
export interface LogSink {
  write(data: string, done: () => void): void;
}

/** Runs `run` once, at the next animation frame in the app (a manual tick in tests). */
export type Scheduler = (run: () => void) => void;

/**
 * How long xterm may spend parsing one frame's write. A frame is 16.7 ms at 60 Hz; the rest is
 * left for xterm's render of the viewport and for the app.
 */
export const PARSE_BUDGET_MS = 8;
/** The first frame's write, before the pump knows how fast this terminal parses. */
export const INITIAL_FRAME_CHARS = 64 * 1024;
/** Bounds of one frame's write, whatever the measured speed. */
export const MIN_FRAME_CHARS = 8 * 1024;
export const MAX_FRAME_CHARS = 1024 * 1024;

interface Chunk {
  text: string;
  bytes: number;
  lines: number;
}

/**
 * Moves log data from the stream to the terminal, at most one write per animation frame, and
 * acknowledges each batch's bytes only after xterm has parsed it (its write callback). Each
 * frame's write is sized from how long the previous one took to parse, so a flood fills every
 * frame without making it long: xterm's own time slicing (12 ms, then a macrotask) would
 * otherwise stack its parse and its render into 30 ms frames. During a flood the frames alternate:
 * one parses a write, the next is left to xterm's draw of it (measured in the renderer benchmark:
 * a frame holding both the DOM renderer's redraw and a parse outlasted 16.7 ms, and drawing every
 * other frame halves the redraws a line costs). The agent stops reading its source
 * when too many bytes are unacknowledged, so a flood is throttled where it starts. Pausing stops
 * writing, and so stops acknowledging: the agent pauses too.
 */
export class LogPump {
  private queue: Chunk[] = [];
  private queuedChars = 0;
  private inFlight = false;
  private scheduled = false;
  private paused = false;
  private closed = false;
  /** Characters one frame's write may carry, adapted to this terminal's parse speed. */
  frameChars = INITIAL_FRAME_CHARS;
  shownLines = 0;
  receivedLines = 0;

  constructor(
    private readonly sink: LogSink,
    private readonly ack: (bytes: number) => void,
    private readonly format: (line: LogLine) => string,
    private readonly schedule: Scheduler,
    private readonly now: () => number = () => performance.now(),
    /** After each write is parsed: the queue drained (a status line can say "all shown"). */
    private readonly onIdle: () => void = () => {},
    /**
     * Whether xterm's draw needs a frame of its own during a flood: yes for the DOM renderer,
     * whose redraw of the viewport costs about as much as a frame's parse (measured). WebGL
     * keeps a write every frame, as before: its draw is meant to be cheap, and without a GPU
     * here the alternation could not be measured for it.
     */
    private readonly drawNeedsOwnFrame: () => boolean = () => true,
  ) {}

  push(lines: LogLine[], bytes: number): void {
    if (this.closed) return;
    let text = '';
    for (const line of lines) text += this.format(line);
    this.receivedLines += lines.length;
    this.queue.push({ text, bytes, lines: lines.length });
    this.queuedChars += text.length;
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

  get charsQueued(): number {
    return this.queuedChars;
  }

  get writing(): boolean {
    return this.inFlight;
  }

  close(): void {
    this.closed = true;
    this.queue = [];
    this.queuedChars = 0;
  }

  /**
   * At most one write waits in xterm: the next frame writes once it is parsed. `skipFrame`: the
   * one after that, so a frame never holds both xterm's draw and the next parse.
   */
  private kick(skipFrame = false): void {
    if (this.scheduled || this.inFlight || this.paused || this.closed) return;
    if (this.queue.length === 0) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.flush();
    };
    this.schedule(skipFrame ? () => this.schedule(run) : run);
  }

  private flush(): void {
    if (this.paused || this.closed || this.inFlight || this.queue.length === 0) return;
    const parts: string[] = [];
    let size = 0;
    let bytes = 0;
    let lines = 0;
    // Whole chunks only: a chunk's bytes are acknowledged once, after all of it is parsed.
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (size > 0 && size + next.text.length > this.frameChars) break;
      this.queue.shift();
      parts.push(next.text);
      size += next.text.length;
      bytes += next.bytes;
      lines += next.lines;
    }
    this.queuedChars -= size;
    this.inFlight = true;
    const started = this.now();
    this.sink.write(parts.join(''), () => {
      if (this.closed) return;
      this.inFlight = false;
      this.adapt(size, this.now() - started);
      this.shownLines += lines;
      if (bytes > 0) this.ack(bytes);
      if (this.queue.length === 0) this.onIdle();
      // More queued means a flood: the next frame is left to xterm's draw of what this write
      // added (it draws in the frame after a parse), and the next write waits for the one after.
      this.kick(this.queue.length > 0 && this.drawNeedsOwnFrame());
    });
  }

  /** Next frame's size from this one's parse speed; a write smaller than its frame says little. */
  private adapt(chars: number, ms: number): void {
    if (ms <= 0) return;
    if (chars < this.frameChars / 2 && ms < PARSE_BUDGET_MS) return;
    const fitting = (chars / ms) * PARSE_BUDGET_MS;
    // Move halfway there: one slow frame (a GC, a resize) should not halve the next one.
    const next = (this.frameChars + fitting) / 2;
    this.frameChars = Math.round(Math.min(MAX_FRAME_CHARS, Math.max(MIN_FRAME_CHARS, next)));
  }
}
