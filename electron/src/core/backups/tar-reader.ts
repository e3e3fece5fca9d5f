/**
 * A streaming reader of the tar archives `restic dump <snapshot> <folder>` writes (Go's
 * archive/tar: ustar headers, PAX `x` records for long or non-ASCII names, GNU `L` long names
 * from older writers). Only what a backup's folders hold is kept: regular files and folders;
 * links and devices are skipped. No dependency: it is a few hundred lines of format at most.
 */

const BLOCK = 512;

export interface TarEntry {
  /** As written in the archive, e.g. `data/storage/stub/bucket/a.png` (no leading `/`). */
  path: string;
  type: 'file' | 'directory' | 'other';
  size: number;
}

export interface TarSink {
  /** A new entry; for a file, `data` follows with exactly `size` bytes, then `endEntry`. */
  entry(entry: TarEntry): Promise<void>;
  data(chunk: Buffer): Promise<void>;
  endEntry(): Promise<void>;
}

export class TarFormatError extends Error {}

function text(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return (nul < 0 ? raw : raw.subarray(0, nul)).toString('utf8');
}

function octal(block: Buffer, start: number, length: number): number {
  const first = block[start] ?? 0;
  if (first & 0x80) {
    // base-256 (GNU): big sizes
    let n = first & 0x7f;
    for (let i = 1; i < length; i++) n = n * 256 + (block[start + i] ?? 0);
    return n;
  }
  const s = text(block, start, length).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarFormatError(`a tar header has a bad number "${s}"`);
  return parseInt(s, 8);
}

function checksumOk(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return sum === octal(block, 148, 8);
}

/** PAX extended header records: `<len> <key>=<value>\n`. */
function paxRecords(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    if (space < 0) break;
    const len = parseInt(body.subarray(at, space).toString('ascii'), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = body.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += len;
  }
  return out;
}

/**
 * Feed it the archive's bytes in any chunking (`write`), then `end`; it calls the sink in order
 * and waits for each call, so the sink's pace is the reader's.
 */
export class TarReader {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  /** Bytes of the current entry's body still to pass, and the padding after it. */
  private remaining = 0;
  private padding = 0;
  private inFile = false;
  /** A PAX or GNU long-name header's body being collected. */
  private meta: { kind: 'pax' | 'gnu' | 'global'; chunks: Buffer[]; left: number } | undefined;
  private pending: { path?: string; size?: number } = {};
  private zeroBlocks = 0;
  private finished = false;

  constructor(private readonly sink: TarSink) {}

  async write(chunk: Buffer): Promise<void> {
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    await this.drain();
  }

  async end(): Promise<void> {
    await this.drain();
    if (this.remaining > 0 || this.meta || this.inFile) {
      throw new TarFormatError('the archive ended in the middle of a file');
    }
  }

  private take(n: number): Buffer {
    const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.bufferedBytes = rest.length;
    return out;
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.finished) {
        this.buffered = [];
        this.bufferedBytes = 0;
        return;
      }
      if (this.remaining > 0) {
        if (this.bufferedBytes === 0) return;
        const piece = this.take(Math.min(this.remaining, this.bufferedBytes));
        this.remaining -= piece.length;
        if (this.meta) {
          this.meta.chunks.push(Buffer.from(piece));
          this.meta.left -= piece.length;
        } else if (this.inFile) await this.sink.data(piece);
        if (this.remaining > 0) return;
        continue;
      }
      if (this.padding > 0) {
        if (this.bufferedBytes === 0) return;
        this.padding -= this.take(Math.min(this.padding, this.bufferedBytes)).length;
        if (this.padding > 0) return;
      }
      if (this.meta && this.meta.left === 0) {
        const body = Buffer.concat(this.meta.chunks);
        if (this.meta.kind === 'pax') {
          const records = paxRecords(body);
          if (records.path !== undefined) this.pending.path = records.path;
          if (records.size !== undefined) this.pending.size = Number(records.size);
        } else if (this.meta.kind === 'gnu') {
          this.pending.path = text(body, 0, body.length);
        }
        this.meta = undefined;
      }
      if (this.inFile) {
        this.inFile = false;
        await this.sink.endEntry();
      }
      if (this.bufferedBytes < BLOCK) return;
      const header = this.take(BLOCK);
      if (header.every((b) => b === 0)) {
        if (++this.zeroBlocks >= 2) this.finished = true;
        continue;
      }
      this.zeroBlocks = 0;
      if (!checksumOk(header)) throw new TarFormatError('a tar header has a bad checksum');
      await this.header(header);
    }
  }

  private async header(block: Buffer): Promise<void> {
    const type = String.fromCharCode(block[156] ?? 0);
    const size = this.pending.size ?? octal(block, 124, 12);
    const magic = text(block, 257, 6);
    const prefix = magic.startsWith('ustar') ? text(block, 345, 155) : '';
    const name = text(block, 0, 100);
    const path = this.pending.path ?? (prefix ? `${prefix}/${name}` : name);
    this.pending = {};
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === 'x' || type === 'g' || type === 'L') {
      this.meta = {
        kind: type === 'x' ? 'pax' : type === 'L' ? 'gnu' : 'global',
        chunks: [],
        left: size,
      };
      if (size === 0) this.meta.left = 0;
      return;
    }
    const kind: TarEntry['type'] =
      type === '0' || type === '\0' || type === '7' ? 'file' : type === '5' ? 'directory' : 'other';
    const entry = { path: path.replace(/^\/+/, '').replace(/\/+$/, ''), type: kind, size };
    if (kind === 'file') {
      await this.sink.entry(entry);
      this.inFile = true;
    } else {
      await this.sink.entry(entry);
      // Links and devices carry no body; anything else with one is skipped unread.
      this.inFile = false;
      if (this.remaining > 0) {
        this.meta = { kind: 'global', chunks: [], left: this.remaining };
      }
    }
  }
}
