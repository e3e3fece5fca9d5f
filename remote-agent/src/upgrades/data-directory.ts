import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';

/** The database's data directory inside a project folder (stack/services/db.ts mounts it). */
export const DATA_DIRECTORY = 'volumes/db/data';

/**
 * The Postgres major upgrade's "new data volume": the old data directory is renamed aside
 * (same file system, so instant and untouched) and an empty one takes its place for the new
 * major's fresh cluster. A rollback drops the new one and renames the old one back.
 */
export class DataDirectorySwap {
  readonly live: string;
  readonly aside: string;
  private moved = false;

  constructor(projectDir: string, label: string) {
    this.live = path.join(projectDir, DATA_DIRECTORY);
    this.aside = `${this.live}.${label}`;
  }

  /** An earlier attempt left its old directory aside: it may be the only copy, so stop. */
  async mustBeFree(): Promise<void> {
    if (await exists(this.aside)) {
      throw new AgentError(
        ErrorCode.INVALID_STATE,
        `${this.aside} is left from an earlier Postgres upgrade; move it away before trying again.`,
        { path: this.aside },
      );
    }
  }

  async moveAside(): Promise<void> {
    await rename(this.live, this.aside);
    this.moved = true;
    await mkdir(this.live, { mode: 0o700 });
  }

  /** Only once moved: before that the live directory is still the old one. */
  async putBack(): Promise<void> {
    if (!this.moved) return;
    await rm(this.live, { recursive: true, force: true });
    await rename(this.aside, this.live);
    this.moved = false;
  }

  async dropAside(): Promise<void> {
    await rm(this.aside, { recursive: true, force: true });
  }
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
}
