import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export interface TableFacts {
  /** `schema.table` as pg_dump writes it in its COPY line (quoted names stay quoted). */
  table: string;
  rows: number;
  /** sha256 of the table's COPY data lines, in dump order. */
  sha256: string;
}

export interface DumpFacts {
  bytes: number;
  sha256: string;
  tables: TableFacts[];
}

const COPY_RE = /^COPY (\S+(?: \S+)*?) \(.*\) FROM stdin;$/;
const END_OF_COPY = '\\.';

/**
 * Passes a plain-format pg_dump through unchanged while measuring it: size, sha256, and for
 * each table the rows of its COPY block and a hash of them. Counting rows from the dump itself
 * makes the counts exactly those of the dump's snapshot (a separate count query would see a
 * different moment), and a restored database dumped again must give the same table hashes.
 */
export class DumpAnalyzer extends Transform {
  private readonly whole = createHash('sha256');
  private bytes = 0;
  private partial: Buffer = Buffer.alloc(0);
  private current: { table: string; rows: number; hash: Hash } | undefined;
  private readonly tables: TableFacts[] = [];

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.whole.update(chunk);
    this.bytes += chunk.length;
    this.scan(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.partial.length > 0) this.line(this.partial);
    this.partial = Buffer.alloc(0);
    done();
  }

  facts(): DumpFacts {
    return { bytes: this.bytes, sha256: this.whole.digest('hex'), tables: this.tables };
  }

  get bytesSoFar(): number {
    return this.bytes;
  }

  private scan(chunk: Buffer): void {
    let start = 0;
    let data = chunk;
    if (this.partial.length > 0) {
      data = Buffer.concat([this.partial, chunk]);
      this.partial = Buffer.alloc(0);
    }
    for (;;) {
      const end = data.indexOf(10, start);
      if (end < 0) break;
      this.line(data.subarray(start, end));
      start = end + 1;
    }
    if (start < data.length) this.partial = Buffer.from(data.subarray(start));
  }

  private line(line: Buffer): void {
    const current = this.current;
    if (current) {
      if (line.length === 2 && line.toString('latin1') === END_OF_COPY) {
        this.tables.push({
          table: current.table,
          rows: current.rows,
          sha256: current.hash.digest('hex'),
        });
        this.current = undefined;
        return;
      }
      current.rows += 1;
      current.hash.update(line).update('\n');
      return;
    }
    // Only short lines can be COPY headers; skipping long ones keeps DDL scanning cheap.
    if (line.length < 5 || line.length > 64_000 || line[0] !== 0x43 /* C */) return;
    const match = COPY_RE.exec(line.toString('utf8'));
    if (match?.[1]) this.current = { table: match[1], rows: 0, hash: createHash('sha256') };
  }
}
