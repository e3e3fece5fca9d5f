/**
 * Splits a byte stream into lines (one JSON-RPC message per line). Bytes are buffered as
 * Buffers, not strings, so a multi-byte character split across chunks stays intact, and a line
 * longer than `maxBytes` is reported instead of growing the buffer without bound.
 */
export class LineDecoder {
  private chunks: Buffer[] = [];
  private size = 0;
  private discarding = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOversize: (bytes: number) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) break;
      this.append(chunk.subarray(start, nl));
      this.flush();
      start = nl + 1;
    }
    if (start < chunk.length) this.append(chunk.subarray(start));
  }

  private append(part: Buffer): void {
    if (this.discarding) {
      this.size += part.length;
      return;
    }
    this.size += part.length;
    if (this.size > this.maxBytes) {
      this.discarding = true;
      this.chunks = [];
      return;
    }
    if (part.length > 0) this.chunks.push(part);
  }

  private flush(): void {
    if (this.discarding) {
      this.onOversize(this.size);
    } else {
      const line = Buffer.concat(this.chunks).toString('utf8').replace(/\r$/, '');
      if (line.trim() !== '') this.onLine(line);
    }
    this.chunks = [];
    this.size = 0;
    this.discarding = false;
  }
}

export function encodeMessage(message: unknown): string {
  return JSON.stringify(message) + '\n';
}
