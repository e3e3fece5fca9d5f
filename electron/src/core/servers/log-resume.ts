import type { LogLine } from '@protocol/types';

/**
 * A log stream reopened after a reconnect starts with some history (tail) that the consumer has
 * partly seen. This drops lines up to the last one delivered, so the consumer sees one
 * continuous stream: Docker timestamps are RFC 3339 with fixed nanosecond width, so they
 * compare as strings; lines sharing the last timestamp are told apart by content.
 */
export class LogCursor {
  private lastTime: string | undefined;
  private atLast = new Set<string>();
  private resuming = false;

  /** Called when the stream is reopened: filter the replayed history from now on. */
  resume(): void {
    this.resuming = this.lastTime !== undefined;
  }

  /** Returns the lines to deliver and remembers the newest one. */
  accept(lines: readonly LogLine[]): LogLine[] {
    const out: LogLine[] = [];
    // The newest line of a batch decides what is remembered; the content key is built only for
    // lines sharing a timestamp with it (a flood has tens of thousands of lines per second).
    const keyOf = (line: LogLine) => `${line.service}\u0000${line.stream}\u0000${line.text}`;
    for (const line of lines) {
      if (this.resuming && this.lastTime !== undefined) {
        if (line.time < this.lastTime) continue;
        if (line.time === this.lastTime && this.atLast.has(keyOf(line))) continue;
        if (line.time > this.lastTime) this.resuming = false;
      }
      out.push(line);
    }
    for (let i = out.length - 1; i >= 0; i--) {
      const line = out[i] as LogLine;
      if (this.lastTime !== undefined && line.time < this.lastTime) continue;
      if (this.lastTime === undefined || line.time > this.lastTime) {
        this.lastTime = line.time;
        this.atLast = new Set();
      }
      if (line.time !== this.lastTime) break;
      this.atLast.add(keyOf(line));
    }
    return out;
  }
}
