import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  promises as fs,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

/**
 * The one way files are replaced, on the server (state, secrets, stack files, staff accounts)
 * and on the desktop (window placement): write a temp file beside the target, fsync it, rename
 * over the target (atomic on POSIX), then fsync the folder so the rename itself survives a power
 * cut. A crash at any instant leaves the old content or the new, never a mix.
 *
 * The temp file is created with O_EXCL (never through a planted symlink) and chmod-ed to its
 * final mode before any byte is written, so a secret never sits in a readable file, not even
 * for a moment and whatever the umask.
 */
export interface AtomicWriteOptions {
  /** Default 0600. */
  mode?: number;
  /**
   * Default true. A caller that writes many files in one folder at once passes false and syncs
   * the folder once itself (see fsyncDir): the fsyncs then overlap instead of queueing.
   */
  syncDir?: boolean;
  /** Runs between the write and the rename (e.g. clearing what Docker left at the target). */
  beforeRename?: () => Promise<void>;
}

export async function writeFileAtomic(
  file: string,
  content: string | Uint8Array,
  options: number | AtomicWriteOptions = {},
): Promise<void> {
  const {
    mode = 0o600,
    syncDir = true,
    beforeRename,
  } = typeof options === 'number' ? { mode: options } : options;
  const dir = path.dirname(file);
  const temp = tempNameFor(file);
  const handle = await fs.open(temp, 'wx', mode);
  try {
    await handle.chmod(mode);
    await handle.writeFile(content);
    await handle.sync();
    // Verified before it may replace the good file: a short write (a full disk on some
    // filesystems, a quota) must fail here, never become the state.
    const expected = typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
    const { size } = await handle.stat();
    if (size !== expected) {
      throw Object.assign(
        new Error(`${file}: wrote ${size} of ${expected} bytes; the old file is kept`),
        { code: 'EIO' },
      );
    }
  } catch (error) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await beforeRename?.();
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  if (syncDir) await fsyncDir(dir);
}

/**
 * The same, synchronous, for callers that cannot wait (window placement while the app closes).
 * Creates the folder (0700) when it is missing.
 */
export function writeFileAtomicSync(
  file: string,
  content: string | Uint8Array,
  options: { mode?: number } = {},
): void {
  const mode = options.mode ?? 0o600;
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = tempNameFor(file);
  const fd = openSync(temp, 'wx', mode);
  try {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    for (let offset = 0; offset < bytes.length;)
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  let dirFd: number | undefined;
  try {
    dirFd = openSync(dir, 'r');
    fsyncSync(dirFd);
  } catch {
    // Some filesystems (and Windows) cannot fsync a folder; the rename is still atomic.
  } finally {
    if (dirFd !== undefined) closeSync(dirFd);
  }
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

function tempNameFor(file: string): string {
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${suffix}`);
}
