import { z } from 'zod';
import type { Instance } from './types';
import { INSTANCE_NAME_MAX } from './validation';

/**
 * Import of an existing Supabase project: a plain-SQL pg_dump (gzip accepted) and, optionally,
 * a folder of Storage files, uploaded through the agent connection into a NEW project.
 *
 * 1. `backups.dumpImport.begin` checks the dump's head, the sizes and the disk, creates the
 *    project and waits until it runs, then starts psql in its db container.
 * 2. `backups.dumpImport.chunk` (seq 1, 2, …; a few in flight): each is answered once psql took
 *    its bytes: the answers are the flow control, nothing is buffered on the server's disk.
 * 3. `backups.dumpImport.file` per Storage file part (one request at a time).
 * 4. `backups.dumpImport.finish` waits for psql and returns the report (errors with lines).
 * Any failure, `backups.dumpImport.cancel`, or silence past the idle limit removes the project.
 */
export interface DumpLoadError {
  /** Line of the (decompressed) dump psql reported. */
  line: number;
  message: string;
}

export interface DumpImportReport {
  instance: Instance;
  dumpBytes: number;
  /** Statements psql refused (the load went on): most are "already exists" of Supabase's own. */
  errorCount: number;
  /** The first 200 of them. */
  errors: DumpLoadError[];
  files: number;
  fileBytes: number;
  durationMs: number;
}

const uploadId = z.string().regex(/^u[0-9a-f]{16}$/);
const base64 = z
  .string()
  .max(800 * 1024)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/);

export const DumpImportMethodParams = {
  'backups.dumpImport.begin': z
    .object({
      name: z.string().max(INSTANCE_NAME_MAX * 4),
      /** The file's size as uploaded (compressed when gzip). */
      dumpBytes: z.number().int().positive(),
      /** Its first bytes (up to 64 KiB), base64: checked before any project exists. */
      head: base64,
      storage: z
        .object({ files: z.number().int().min(0), bytes: z.number().int().min(0) })
        .strict()
        .optional(),
    })
    .strict(),
  'backups.dumpImport.chunk': z
    .object({ uploadId, seq: z.number().int().positive(), data: base64 })
    .strict(),
  'backups.dumpImport.file': z
    .object({
      uploadId,
      /** Relative to the Storage folder, `/`-separated (what Storage's file backend holds). */
      path: z.string().min(1).max(1024),
      offset: z.number().int().min(0),
      data: base64,
      last: z.boolean(),
    })
    .strict(),
  'backups.dumpImport.finish': z.object({ uploadId }).strict(),
  'backups.dumpImport.cancel': z.object({ uploadId }).strict(),
} as const;

export interface DumpImportMethodResults {
  'backups.dumpImport.begin': {
    uploadId: string;
    instance: Instance;
    chunkBytes: number;
    windowChunks: number;
  };
  'backups.dumpImport.chunk': { bytes: number };
  'backups.dumpImport.file': { bytes: number };
  'backups.dumpImport.finish': DumpImportReport;
  'backups.dumpImport.cancel': { ok: true };
}
