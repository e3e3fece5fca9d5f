import { promises as fs } from 'node:fs';
import path from 'node:path';

let counter = 0;

/**
 * Replaces `file` with `content` so that a crash at any instant leaves either the old or the new
 * content, never a mix: write a temp file beside it, fsync it, rename over the target (atomic on
 * POSIX), then fsync the directory so the rename itself survives a power cut.
 */
export async function writeFileAtomic(
  file: string,
  content: string | Buffer,
  mode = 0o600,
): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${++counter}`);
  const handle = await fs.open(temp, 'w', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  await fsyncDir(dir);
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Temp files left by a crash between write and rename: never part of the state. */
export async function removeStaleTempFiles(dir: string, basename: string): Promise<number> {
  const prefix = `.${basename}.tmp-`;
  let removed = 0;
  for (const name of await fs.readdir(dir)) {
    if (name.startsWith(prefix)) {
      await fs.rm(path.join(dir, name), { force: true });
      removed++;
    }
  }
  return removed;
}
