import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * What a folder takes on disk (allocated blocks, so sparse files count as what they use),
 * without following links. A project's database and Storage data are bind mounts inside its
 * instance folder, so that folder's size is the project's disk. Parts the agent cannot read
 * are left out rather than failing the whole walk.
 */
export async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) pending.push(full);
      const st = await lstat(full).catch(() => undefined);
      if (st) total += st.blocks * 512;
    }
  }
  return total;
}
