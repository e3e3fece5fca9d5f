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
const CONNECT_RE = /^\\(?:connect|c) (?:-reuse-previous=on )?(.+)$/;

/** The database a psql `\connect` line names (pg_dump writes `\connect name` or a conninfo). */
export function connectTarget(args: string): string {
  const conninfo = /^"dbname='((?:[^'\\]|\\.)*)'"$/.exec(args);
  if (conninfo?.[1] !== undefined) return conninfo[1].replace(/\\(.)/g, '$1');
  if (args.startsWith('"') && args.endsWith('"')) return args.slice(1, -1).replace(/""/g, '"');
  return args;
}

/**
 * Passes a plain-format pg_dump through unchanged while measuring it: size, sha256, and for
 * each table the rows of its COPY block and a hash of them. Counting rows from the dump itself
 * makes the counts exactly those of the dump's snapshot (a separate count query would see a
 * different moment), and a restored database dumped again must give the same table hashes.
 * A stream of several databases' dumps (`postgres`, then `_supabase`) names the tables after
 * the second `\connect` with that database as prefix: `_supabase:_analytics.sources`.
 */
export class DumpAnalyzer extends Transform {
  private readonly whole = createHash('sha256');
  private bytes = 0;
  private partial: Buffer = Buffer.alloc(0);
  private current: { table: string; rows: number; hash: Hash } | undefined;
  private readonly tables: TableFacts[] = [];
  /** The database of the dump's first `\connect`; a later one's tables get a `name:` prefix. */
  private firstDatabase: string | undefined;
  private prefix = '';

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
    if (line.length < 5 || line.length > 64_000) return;
    if (line[0] === 0x5c /* \ */) {
      const connect = CONNECT_RE.exec(line.toString('utf8'));
      if (!connect?.[1]) return;
      const database = connectTarget(connect[1]);
      this.firstDatabase ??= database;
      this.prefix = database === this.firstDatabase ? '' : `${database}:`;
      return;
    }
    if (line[0] !== 0x43 /* C */) return;
    const match = COPY_RE.exec(line.toString('utf8'));
    if (match?.[1]) {
      this.current = { table: this.prefix + match[1], rows: 0, hash: createHash('sha256') };
    }
  }
}
