import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fsyncDir } from '@common/atomic-write';
import type { AuditEntry } from '@protocol/types';
import { completeLength, linesFromEnd, parseAuditLine } from './audit-file';

export const AUDIT_FILE = 'audit.log';

export type AuditInput = Omit<AuditEntry, 'seq' | 'at'>;

export interface AuditLogOptions {
  /** audit.log is rotated (audit.log → audit.log.1 → …) before it would pass this size. */
  maxBytes?: number;
  /** Rotated files kept besides audit.log; the oldest beyond this is deleted. */
  keepFiles?: number;
  /** Counted attempts are written as one summary line per key at most this often. */
  refusedSummaryMs?: number;
  /** Distinct keys counted per window; past it, attempts are summed under actor/target "*". */
  maxCountKeys?: number;
}

export const AUDIT_DEFAULTS: Required<AuditLogOptions> = {
  maxBytes: 8 * 1024 * 1024,
  keepFiles: 4,
  refusedSummaryMs: 60_000,
  maxCountKeys: 1000,
};

interface Tally {
  input: AuditInput;
  attempts: number;
  first: string;
  last: string;
}

/**
 * Append-only audit log, one JSON entry per line. `append` resolves once the entry is fsynced;
 * entries appended together share one write and one fsync. `count` is for refused attempts
 * (failed or throttled logins): anyone who can open the socket makes those at will, so they are
 * summed per key and written once per window instead of one fsynced line each.
 *
 * Nothing reads the whole file: `open` looks at the tail only (cuts a torn last line, finds the
 * last sequence number, also in a rotated file), `list` reads backwards and stops when it has
 * enough. A damaged line in the middle is skipped by readers, never a reason to drop what
 * follows it; sequence numbers only go up.
 */
export class AuditLog {
  private queue: Array<{ line: string; resolve(): void; reject(error: unknown): void }> = [];
  private flushing = false;
  private listeners: Array<(entry: AuditEntry) => void> = [];
  private tallies = new Map<string, Tally>();
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly file: string,
    private seq: number,
    private size: number,
    private readonly now: () => Date,
    private readonly options: Required<AuditLogOptions>,
  ) {
    this.timer = setInterval(() => void this.flushCounts(), options.refusedSummaryMs);
    this.timer.unref();
  }

  static async open(
    dataDir: string,
    now: () => Date,
    options: AuditLogOptions = {},
  ): Promise<AuditLog> {
    const o = { ...AUDIT_DEFAULTS, ...options };
    const file = path.join(dataDir, AUDIT_FILE);
    const { size, complete } = await completeLength(file);
    if (complete < size) await fs.truncate(file, complete);
    let lastSeq = 0;
    for (const candidate of rotatedFiles(file, o.keepFiles)) {
      lastSeq = await lastSeqIn(candidate);
      if (lastSeq > 0) break;
    }
    return new AuditLog(file, lastSeq, complete, now, o);
  }

  onAppend(listener: (entry: AuditEntry) => void): void {
    this.listeners.push(listener);
  }

  async append(input: AuditInput): Promise<AuditEntry> {
    const entry: AuditEntry = { seq: ++this.seq, at: this.now().toISOString(), ...input };
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ line: JSON.stringify(entry) + '\n', resolve, reject });
      if (!this.flushing) void this.flush();
    });
    for (const listener of this.listeners) listener(entry);
    return entry;
  }

  /** Records a refused attempt; it reaches the file in the next window's summary line. */
  count(input: AuditInput): void {
    let key = JSON.stringify([input.actor, input.action, input.target, input.code]);
    let tally = this.tallies.get(key);
    if (!tally && this.tallies.size >= this.options.maxCountKeys) {
      input = { ...input, actor: '*', target: '*' };
      key = JSON.stringify(['*', input.action, '*', input.code]);
      tally = this.tallies.get(key);
    }
    const at = this.now().toISOString();
    if (tally) {
      tally.attempts++;
      tally.last = at;
    } else {
      this.tallies.set(key, { input, attempts: 1, first: at, last: at });
    }
  }

  /** Writes the counted attempts, one summary entry per key, and starts a new window. */
  async flushCounts(): Promise<void> {
    if (this.tallies.size === 0) return;
    const tallies = [...this.tallies.values()];
    this.tallies = new Map();
    await Promise.all(
      tallies.map((t) =>
        this.append({
          ...t.input,
          detail: { ...t.input.detail, attempts: t.attempts, first: t.first, last: t.last },
        }),
      ),
    ).catch(() => undefined);
  }

  /** Writes what is still counted and stops the window timer. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushCounts();
  }

  /** The newest `limit` entries matching `filter`, oldest first. */
  async list(
    limit: number,
    filter: (entry: AuditEntry) => boolean = () => true,
  ): Promise<AuditEntry[]> {
    const newestFirst: AuditEntry[] = [];
    if (limit <= 0) return newestFirst;
    for (const file of rotatedFiles(this.file, this.options.keepFiles)) {
      for await (const line of linesFromEnd(file)) {
        const entry = parseAuditLine(line);
        if (entry && filter(entry)) newestFirst.push(entry);
        if (newestFirst.length >= limit) return newestFirst.reverse();
      }
    }
    return newestFirst.reverse();
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      const text = batch.map((b) => b.line).join('');
      try {
        await this.write(text);
        for (const b of batch) b.resolve();
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    this.flushing = false;
  }

  private async write(text: string): Promise<void> {
    const bytes = Buffer.byteLength(text);
    if (this.size > 0 && this.size + bytes > this.options.maxBytes) await this.rotate();
    const handle = await fs.open(this.file, 'a', 0o600);
    try {
      await handle.writeFile(text);
      await handle.datasync();
      this.size += bytes;
    } catch (error) {
      // A half-written batch (ENOSPC, EIO) must not become a damaged line in the middle of
      // the log once later appends succeed: cut back to the last complete entry.
      await handle.truncate(this.size).catch(() => undefined);
      throw error;
    } finally {
      await handle.close();
    }
  }

  private async rotate(): Promise<void> {
    const files = rotatedFiles(this.file, this.options.keepFiles);
    await fs.rm(files.at(-1)!, { force: true });
    for (let i = files.length - 2; i >= 0; i--) {
      await fs.rename(files[i]!, files[i + 1]!).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    await fsyncDir(path.dirname(this.file));
    this.size = 0;
  }
}

/** audit.log, audit.log.1, … audit.log.<keep>: newest first. */
function rotatedFiles(file: string, keep: number): string[] {
  return [file, ...Array.from({ length: keep }, (_, i) => `${file}.${i + 1}`)];
}

async function lastSeqIn(file: string): Promise<number> {
  for await (const line of linesFromEnd(file)) {
    const entry = parseAuditLine(line);
    if (entry) return entry.seq;
  }
  return 0;
}
