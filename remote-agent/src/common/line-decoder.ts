/**
 * Newline-delimited framing with a size limit, for JSON-RPC and any other line protocol. A line longer than `maxBytes` is never buffered
 * whole: the decoder drops its bytes as they arrive, reports it once, and resumes at the next
 * newline, so one bad message costs neither memory nor the connection.
 */
export interface LineDecoderEvents {
  line(text: string): void;
  oversized(bytes: number): void;
}

const NEWLINE = 0x0a;

export class LineDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes dropped so far of the current oversized line, or -1 while not discarding. */
  private discarded = -1;

  constructor(
    private readonly maxBytes: number,
    private readonly events: LineDecoderEvents,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl === -1 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (this.discarded >= 0) {
        this.discarded += piece.length;
      } else if (this.buffered + piece.length > this.maxBytes) {
        this.discarded = this.buffered + piece.length;
        this.chunks = [];
        this.buffered = 0;
      } else if (piece.length > 0) {
        this.chunks.push(piece);
        this.buffered += piece.length;
      }
      if (nl === -1) return;
      this.finishLine();
      start = nl + 1;
    }
  }

  private finishLine(): void {
    if (this.discarded >= 0) {
      const size = this.discarded;
      this.discarded = -1;
      this.events.oversized(size);
      return;
    }
    const text = Buffer.concat(this.chunks, this.buffered).toString('utf8');
    this.chunks = [];
    this.buffered = 0;
    // A trailing \r (CRLF peers) and blank lines (keepalive by hand) carry no message.
    const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (trimmed.trim().length > 0) this.events.line(trimmed);
  }
}

/** One message as a line: the inverse of LineDecoder. */
export function encodeLine(message: unknown): string {
  return JSON.stringify(message) + '\n';
}
