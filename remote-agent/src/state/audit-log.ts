import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { AuditEntry } from '../protocol/types';

export const AUDIT_FILE = 'audit.log';

export type AuditInput = Omit<AuditEntry, 'seq' | 'at'>;

/**
 * Append-only audit log, one JSON entry per line. `append` resolves once the entry is fsynced;
 * entries appended together share one write and one fsync. A crash can only cut the last line
 * short: `open` trims such a tail so the next entry starts on a clean line.
 */
export class AuditLog {
  private seq: number;
  private queue: Array<{ line: string; resolve(): void; reject(error: unknown): void }> = [];
  private flushing = false;
  private listeners: Array<(entry: AuditEntry) => void> = [];

  private constructor(
    private readonly file: string,
    lastSeq: number,
    private readonly now: () => Date,
  ) {
    this.seq = lastSeq;
  }

  static async open(dataDir: string, now: () => Date): Promise<AuditLog> {
    const file = path.join(dataDir, AUDIT_FILE);
    let text = '';
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const { entries, validBytes } = parseAudit(text);
    if (validBytes < Buffer.byteLength(text)) await fs.truncate(file, validBytes);
    return new AuditLog(file, entries.at(-1)?.seq ?? 0, now);
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

  /** The newest `limit` entries matching `filter`, oldest first. */
  async list(limit: number, filter: (entry: AuditEntry) => boolean = () => true) {
    let text = '';
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return parseAudit(text).entries.filter(filter).slice(-limit);
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        const handle = await fs.open(this.file, 'a', 0o600);
        try {
          await handle.writeFile(batch.map((b) => b.line).join(''));
          await handle.datasync();
        } finally {
          await handle.close();
        }
        for (const b of batch) b.resolve();
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    this.flushing = false;
  }
}

/** Complete, parseable entries and the byte length they cover; anything after is a torn tail. */
export function parseAudit(text: string): { entries: AuditEntry[]; validBytes: number } {
  const entries: AuditEntry[] = [];
  let validBytes = 0;
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) break;
    const line = text.slice(start, nl);
    try {
      const entry = JSON.parse(line) as AuditEntry;
      if (typeof entry.seq !== 'number') break;
      entries.push(entry);
    } catch {
      break;
    }
    validBytes += Buffer.byteLength(line) + 1;
    start = nl + 1;
  }
  return { entries, validBytes };
}
