import { promises as fs } from 'node:fs';
import path from 'node:path';

export const RESERVE_FILE = '.disk-reserve';
export const DEFAULT_RESERVE_MB = 8;

/**
 * A few megabytes the agent holds on the data directory's disk for the moment it fills up. When
 * a write fails with ENOSPC in the middle of an operation, the agent deletes this file first:
 * then the rollback, the registry's "failed" record, the audit line and the alert can still be
 * written, instead of the registry being stuck saying `creating` until the next start. It is
 * made again once space allows (at start, and before each operation that checks free space).
 */
export class DiskReserve {
  private readonly file: string;

  constructor(
    dataDir: string,
    private readonly sizeMb = DEFAULT_RESERVE_MB,
  ) {
    this.file = path.join(dataDir, RESERVE_FILE);
  }

  /** True when the reserve is in place; false when the disk cannot hold it now (never throws). */
  async ensure(): Promise<boolean> {
    const bytes = this.sizeMb * 2 ** 20;
    const present = await fs.stat(this.file).then(
      (s) => s.size === bytes,
      () => false,
    );
    if (present) return true;
    try {
      const handle = await fs.open(this.file, 'w', 0o600);
      try {
        // Real zeros, not a sparse file: the blocks must be taken now to be given back later.
        await handle.writeFile(Buffer.alloc(bytes));
        await handle.sync();
      } finally {
        await handle.close();
      }
      return true;
    } catch {
      await fs.rm(this.file, { force: true }).catch(() => undefined);
      return false;
    }
  }

  /** Gives the space back; resolves with the bytes freed (0 when there was no reserve). */
  async release(): Promise<number> {
    const size = await fs.stat(this.file).then(
      (s) => s.size,
      () => 0,
    );
    await fs.rm(this.file, { force: true });
    return size;
  }
}
