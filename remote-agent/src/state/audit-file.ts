import type { FileHandle } from 'node:fs/promises';
import { promises as fs } from 'node:fs';
import type { AuditEntry } from '@protocol/types';

/**
 * Reading the audit file from its end, in fixed-size chunks, so that neither opening the log nor
 * listing its newest entries costs memory or time in proportion to its size (a 512 MiB file read
 * into one string is a RangeError that kept the agent from starting).
 */
const CHUNK_BYTES = 64 * 1024;
/** An entry is a few hundred bytes; anything longer is damage and is skipped, not buffered. */
export const MAX_AUDIT_LINE_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/** An entry, or undefined for a line that is not one (damage is skipped, never fatal). */
export function parseAuditLine(line: string): AuditEntry | undefined {
  try {
    const entry = JSON.parse(line) as AuditEntry | null;
    if (typeof entry !== 'object' || entry === null) return undefined;
    if (!Number.isSafeInteger(entry.seq) || typeof entry.action !== 'string') return undefined;
    return entry;
  } catch {
    return undefined;
  }
}

/**
 * Complete lines of `file`, last first. Bytes after the last newline (an append in progress or
 * a torn write) are not a line. A missing file has no lines.
 */
export async function* linesFromEnd(file: string): AsyncGenerator<string> {
  let handle: FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    let pos = (await handle.stat()).size;
    let seenNewline = false;
    let carry: Buffer[] = [];
    let carryBytes = 0;
    let overlong = false;
    while (pos > 0) {
      const length = Math.min(CHUNK_BYTES, pos);
      pos -= length;
      const chunk = Buffer.alloc(length);
      await handle.read(chunk, 0, length, pos);
      const found: string[] = [];
      let end = length;
      for (let nl = chunk.lastIndexOf(NEWLINE, end - 1); nl !== -1;) {
        if (seenNewline && !overlong) {
          found.push(Buffer.concat([chunk.subarray(nl + 1, end), ...carry]).toString('utf8'));
        }
        seenNewline = true;
        carry = [];
        carryBytes = 0;
        overlong = false;
        end = nl;
        nl = nl === 0 ? -1 : chunk.lastIndexOf(NEWLINE, nl - 1);
      }
      if (seenNewline && !overlong && end > 0) {
        carryBytes += end;
        if (carryBytes > MAX_AUDIT_LINE_BYTES) {
          overlong = true;
          carry = [];
        } else {
          carry.unshift(chunk.subarray(0, end));
        }
      }
      yield* found;
    }
    if (seenNewline && !overlong && carryBytes > 0) {
      yield Buffer.concat(carry).toString('utf8');
    }
  } finally {
    await handle.close();
  }
}

/** The byte length up to and including the last newline: what stays when a torn tail is cut. */
export async function completeLength(file: string): Promise<{ size: number; complete: number }> {
  let handle: FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { size: 0, complete: 0 };
    throw error;
  }
  try {
    const size = (await handle.stat()).size;
    let pos = size;
    while (pos > 0) {
      const length = Math.min(CHUNK_BYTES, pos);
      pos -= length;
      const chunk = Buffer.alloc(length);
      await handle.read(chunk, 0, length, pos);
      const nl = chunk.lastIndexOf(NEWLINE);
      if (nl !== -1) return { size, complete: pos + nl + 1 };
    }
    return { size, complete: 0 };
  } finally {
    await handle.close();
  }
}
