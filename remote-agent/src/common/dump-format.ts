import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { CodedError } from './coded-error';
import { ErrorCode } from '@protocol/error-codes';

/**
 * What an import accepts, checked on both sides: the desktop refuses before it uploads anything,
 * the agent refuses before it creates a project, and again on the stream itself (a client that
 * lies about its head still cannot feed psql something else).
 */

/** How much of the start of a dump the checks read (the desktop sends it with `begin`). */
export const DUMP_HEAD_BYTES = 64 * 1024;
/** Raw bytes per upload chunk: base64 of it stays well under the agent's 1 MiB message cap. */
export const IMPORT_CHUNK_BYTES = 512 * 1024;
/** Chunks the desktop keeps in flight; each is answered once psql (or the file) took it. */
export const IMPORT_WINDOW_CHUNKS = 4;
export const IMPORT_MAX_DUMP_BYTES = 200 * 1024 ** 3;
export const IMPORT_MAX_STORAGE_BYTES = 500 * 1024 ** 3;
export const IMPORT_MAX_STORAGE_FILES = 1_000_000;
export const IMPORT_MAX_PATH_LENGTH = 1024;

export interface DumpShape {
  gzip: boolean;
}

const GZIP_MAGIC = [0x1f, 0x8b];
/**
 * Lines pg_dump writes in every plain dump's preamble (`supabase db dump` runs pg_dump and keeps
 * them): the header comment, or the session settings that follow it.
 */
const PREAMBLE = [
  /^-- PostgreSQL database dump/m,
  /^-- Dumped (from database|by pg_dump) version/m,
  /^SET statement_timeout = 0;/m,
];

/**
 * Tells a plain-SQL pg_dump (optionally gzip-compressed) from everything else by its first
 * bytes. Throws IMPORT_UNSUPPORTED_FORMAT for the other pg_dump formats and IMPORT_NOT_A_DUMP
 * for anything else.
 */
export function sniffDump(head: Uint8Array): DumpShape {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) {
    let inner: Buffer;
    try {
      // A truncated head is expected: flush what decompresses instead of failing at its end.
      inner = gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch {
      throw notADump('it starts like a gzip file but does not decompress');
    }
    checkPlain(inner.subarray(0, DUMP_HEAD_BYTES));
    return { gzip: true };
  }
  checkPlain(bytes);
  return { gzip: false };
}

function checkPlain(bytes: Buffer): void {
  if (bytes.subarray(0, 5).toString('latin1') === 'PGDMP') {
    throw new CodedError(
      ErrorCode.IMPORT_UNSUPPORTED_FORMAT,
      'This is a custom-format dump (pg_dump -Fc). Turn it into a plain SQL file first: ' +
        '`pg_restore -f dump.sql your.dump`, then import dump.sql.',
      { format: 'custom' },
    );
  }
  if (bytes.length > 262 && bytes.subarray(257, 262).toString('latin1') === 'ustar') {
    throw new CodedError(
      ErrorCode.IMPORT_UNSUPPORTED_FORMAT,
      'This is a tar-format dump (pg_dump -Ft). Turn it into a plain SQL file first: ' +
        '`pg_restore -f dump.sql your.tar`, then import dump.sql.',
      { format: 'tar' },
    );
  }
  if (bytes.includes(0)) throw notADump('it holds binary data');
  const text = bytes.toString('utf8');
  if (!PREAMBLE.some((re) => re.test(text))) {
    throw notADump(
      `no pg_dump preamble in its first ${Math.round(DUMP_HEAD_BYTES / 1024)} KiB ` +
        '(make it with `pg_dump` or `supabase db dump`)',
    );
  }
}

function notADump(why: string): CodedError {
  return new CodedError(
    ErrorCode.IMPORT_NOT_A_DUMP,
    `This file is not a plain-SQL pg_dump: ${why}.`,
    { reason: why },
  );
}

/**
 * A Storage file's path inside the folder, as the desktop sends it (`/`-separated, relative).
 * Returns its segments; refuses anything that could land outside the project's Storage folder.
 */
export function storagePathSegments(relative: string): string[] {
  const bad = (why: string) =>
    new CodedError(ErrorCode.IMPORT_BAD_PATH, `The Storage path "${relative}" ${why}.`, {
      path: relative.slice(0, 200),
      reason: why,
    });
  if (relative.length === 0 || relative.length > IMPORT_MAX_PATH_LENGTH) {
    throw bad(`must have 1 to ${IMPORT_MAX_PATH_LENGTH} characters`);
  }
  if (relative.includes('\0') || relative.includes('\\')) {
    throw bad('holds a NUL or a backslash');
  }
  if (relative.startsWith('/')) throw bad('is absolute');
  const segments = relative.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw bad('has an empty, "." or ".." part (it would leave the folder)');
  }
  return segments;
}
