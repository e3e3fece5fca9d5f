import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { BackupFile } from '@protocol/backups';

/**
 * Every regular file under `root`, with size and sha256, paths relative to `base` (sorted, so
 * two trees compare as lists). Symlinks are listed by neither side: restic keeps them as links.
 */
export async function checksumTree(base: string, root: string): Promise<BackupFile[]> {
  const out: BackupFile[] = [];
  async function walk(dir: string): Promise<void> {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) {
        const { size } = await fs.stat(full);
        out.push({ path: path.relative(base, full), bytes: size, sha256: await sha256File(full) });
      }
    }
  }
  await walk(root);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => hash.update(c))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** The first difference between two listings, or undefined when they are the same. */
export function treeDifference(
  expected: readonly BackupFile[],
  actual: readonly BackupFile[],
): string | undefined {
  const byPath = new Map(actual.map((f) => [f.path, f]));
  for (const file of expected) {
    const got = byPath.get(file.path);
    if (!got) return `${file.path} is missing`;
    if (got.sha256 !== file.sha256) return `${file.path} differs`;
    byPath.delete(file.path);
  }
  const extra = byPath.keys().next();
  return extra.done ? undefined : `${extra.value} is not in the backup`;
}
