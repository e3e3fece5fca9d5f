/** Backups on the wire (agent and desktop): plain data, see remote-agent/src/backups/. */
import { z } from 'zod';

/** `pre-upgrade`: taken by a stack upgrade before it changes anything (its rollback restores it). */
export type BackupKind = 'manual' | 'scheduled' | 'safety' | 'pre-upgrade';

export interface BackupTable {
  /** `schema.table` as pg_dump names it. */
  table: string;
  rows: number;
  /** sha256 of the table's rows as dumped (a restored table dumped again gives the same). */
  sha256: string;
}

export interface BackupFile {
  /** Relative to the project's folder, e.g. `volumes/storage/stub/bucket/a.png`. */
  path: string;
  bytes: number;
  sha256: string;
}

/** What one backup holds, written into the backup itself and into the agent's index. */
export interface BackupManifest {
  format: 1;
  id: string;
  kind: BackupKind;
  instanceId: string;
  instanceName: string;
  agentVersion: string;
  startedAt: string;
  finishedAt: string;
  database: {
    file: 'db.sql';
    bytes: number;
    sha256: string;
    durationMs: number;
    /**
     * Tables of `postgres` as pg_dump names them; those of a later part prefixed with its
     * database and a colon (`_supabase:_analytics.sources`).
     */
    tables: BackupTable[];
    /**
     * The databases the dump holds one after the other (`postgres`, then the service database
     * `_supabase`), with each one's bytes. Absent in older backups: `postgres` only.
     */
    parts?: { database: string; bytes: number }[];
  };
  roles: { bytes: number; sha256: string };
  files: { count: number; bytes: number; durationMs: number; entries: BackupFile[] };
  /** Destination id → restic snapshot ids of this backup there. */
  snapshots: Record<string, { db: string; files: string }>;
  /** The stack release the project ran (`Instance.release`). Absent in older backups. */
  stackRelease?: string;
  /**
   * The project's settings record as stored (`meta/settings.json`) and its secrets file
   * (`meta/secrets.json`) in the files snapshot (restic encrypts both). Absent in older backups.
   */
  settings?: { bytes: number; sha256: string };
  secrets?: { bytes: number; sha256: string };
}

/** A row of `backups.list`. */
export interface BackupSummary {
  id: string;
  kind: BackupKind;
  instanceId: string;
  instanceName: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Database dump plus files, before restic's compression and deduplication. */
  bytes: number;
  /** What this backup added to the repository (restic's data_added), per destination. */
  added: Record<string, number>;
  destinations: string[];
  tables: number;
  rows: number;
  files: number;
  /** When a restore drill last read this backup back intact. */
  verifiedAt?: string;
}

/**
 * The outcome of a project's newest restore drill, kept on the instance itself (`backupStatus`)
 * so that a failed drill keeps the project "needs attention" until a later drill passes, apart
 * from its health (the health scheduler clears `needsAttention`, never this).
 */
export interface BackupDrillResult {
  at: string;
  ok: boolean;
  backupId: string;
  /** The failure's error code and message (absent when `ok`). */
  code?: string;
  message?: string;
}

export interface BackupStatus {
  /** When a drill last passed. */
  lastVerifiedAt?: string;
  lastDrill?: BackupDrillResult;
}

/** Whether the project's newest restore drill failed (it then needs a person). */
export function drillFailed(instance: { backupStatus?: BackupStatus }): boolean {
  return instance.backupStatus?.lastDrill?.ok === false;
}

export type BackupJobKind = 'backup' | 'restore' | 'clone' | 'verify';

export interface BackupProgress {
  jobId: string;
  instanceId: string;
  job: BackupJobKind;
  at: string;
  phase:
    | 'queued'
    | 'preparing'
    | 'database'
    | 'files'
    | 'safety-backup'
    | 'verifying'
    | 'restoring-database'
    | 'restoring-files'
    | 'starting'
    | 'done'
    | 'failed';
  message?: string;
  queuePosition?: number;
  /** Bytes of the database stream so far. */
  bytes?: number;
  /** 0–100 where known. */
  percent?: number;
  backupId?: string;
  error?: { code: string; message: string };
}

export interface BackupDestinationPublic {
  id: string;
  kind: 'local' | 'sftp' | 's3';
  name: string;
  host?: string;
  port?: number;
  user?: string;
  path?: string;
  endpoint?: string;
  bucket?: string;
  prefix?: string;
}

/** What an admin gives to add a backup destination (secrets go to the agent's 0600 files). */
const hostname = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[[0-9a-fA-F:]+\]$/, 'a host name or address');
// restic splits `sftp.command` on spaces and reads the path from a URL: no spaces, no quotes.
const repoPath = z
  .string()
  .min(2)
  .max(400)
  .regex(/^\/[A-Za-z0-9._/-]+$/, 'an absolute path of letters, digits, . _ - and /');
const destinationName = z.string().min(1).max(64);

export const sftpDestinationInput = z
  .object({
    kind: z.literal('sftp'),
    name: destinationName,
    host: hostname,
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().regex(/^[a-z_][a-z0-9_.-]{0,31}$/, 'a login name'),
    path: repoPath,
    /** OpenSSH private key (the agent stores it 0600). */
    privateKey: z.string().min(40).max(16_000),
    /** A known_hosts line for the server; without one, the first key seen is trusted and kept. */
    knownHosts: z.string().max(16_000).optional(),
  })
  .strict();

export const s3DestinationInput = z
  .object({
    kind: z.literal('s3'),
    name: destinationName,
    /** e.g. https://s3.eu-central-1.amazonaws.com or https://minio.example.com:9000 */
    endpoint: z.string().url().max(400),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,62}$/, 'a bucket name'),
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9._/-]{0,200}$/)
      .optional(),
    accessKeyId: z.string().min(1).max(200),
    secretAccessKey: z.string().min(1).max(400),
  })
  .strict();

export const destinationInput = z.discriminatedUnion('kind', [
  sftpDestinationInput,
  s3DestinationInput,
]);

/** A project's backup schedule: how often, what to keep, and whether drills run weekly. */
export const backupScheduleInput = z
  .object({
    frequency: z.enum(['hourly', 'daily', 'weekly']),
    retention: z
      .object({
        last: z.number().int().min(0).max(1000).optional(),
        daily: z.number().int().min(0).max(1000).optional(),
        weekly: z.number().int().min(0).max(1000).optional(),
        monthly: z.number().int().min(0).max(1000).optional(),
      })
      .strict(),
    drill: z.enum(['weekly', 'off']),
  })
  .strict();
export type BackupScheduleInput = z.infer<typeof backupScheduleInput>;
export type BackupScheduleView = BackupScheduleInput & { since: string };
