/** Backups on the wire (agent and desktop): plain data, see remote-agent/src/backups/. */

export type BackupKind = 'manual' | 'scheduled' | 'safety';

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
    tables: BackupTable[];
  };
  roles: { bytes: number; sha256: string };
  files: { count: number; bytes: number; durationMs: number; entries: BackupFile[] };
  /** Destination id → restic snapshot ids of this backup there. */
  snapshots: Record<string, { db: string; files: string }>;
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
