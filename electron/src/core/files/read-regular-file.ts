import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';

export type FileRefusal = 'not-found' | 'not-a-regular-file' | 'too-large' | 'unreadable';

/** Why a file was not read, for the caller to turn into its own coded error. */
export class FileReadRefused extends Error {
  constructor(
    readonly reason: FileRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'FileReadRefused';
  }
}

/**
 * Reads a file the renderer or a profile names, but only a regular file (a symlink to one is
 * fine) of at most `maxBytes`: a FIFO would block the read forever, and a device such as
 * /dev/zero, or a huge file, would grow memory without bound. The kind is checked on the open
 * descriptor too (opened non-blocking), so a swap between the check and the open cannot get a
 * FIFO through.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  try {
    const link = await lstat(path);
    if (!link.isFile() && !link.isSymbolicLink()) throw notRegular(path);
  } catch (err) {
    throw refusal(err, path);
  }
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw refusal(err, path);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw notRegular(path);
    if (stat.size > maxBytes) throw tooLarge(path, maxBytes);
    // Read at most one byte past the cap: a file that grew after the stat is still refused.
    const buffer = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) throw tooLarge(path, maxBytes);
      if (length === buffer.length) break;
    }
    return buffer.subarray(0, length);
  } catch (err) {
    throw refusal(err, path);
  } finally {
    await handle.close();
  }
}

const notRegular = (path: string) =>
  new FileReadRefused('not-a-regular-file', `${path} is not a regular file.`);
const tooLarge = (path: string, maxBytes: number) =>
  new FileReadRefused('too-large', `${path} is larger than ${Math.round(maxBytes / 1024)} KiB.`);

function refusal(err: unknown, path: string): FileReadRefused {
  if (err instanceof FileReadRefused) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new FileReadRefused('not-found', `${path} does not exist.`);
  return new FileReadRefused('unreadable', `${path} cannot be read (${code ?? 'error'}).`);
}
