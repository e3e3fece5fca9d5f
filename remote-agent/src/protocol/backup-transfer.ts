/**
 * Two read-only views of a server's backups on the wire (agent, desktop, CLI, renderer):
 * a backup's download stream (`backups.download`) and the server-wide summary
 * (`backups.summary`), with the one rule that ranks its problems. Plain data and pure functions.
 */
import type { BackupScheduleView, BackupStatus } from './backups';

/**
 * What a download carries, in order: `manifest` (its JSON: on the stream, because a project with
 * thousands of files has a manifest longer than one message may be), `database` (db.sql as
 * dumped, plain SQL), `storage` and
 * `functions` (each a tar of that folder as restic dumps it: `data/storage/…`), and `roles`
 * (roles.sql) only when asked for, because it holds the roles' password hashes.
 */
export type BackupDownloadPart = 'manifest' | 'database' | 'storage' | 'functions' | 'roles';

/** One `stream.data` of a `backups.download` stream: a part begins, or bytes of the current one. */
export type BackupDownloadItem = { part: BackupDownloadPart } | { data: string /* base64 */ };

/** The flow-control window of a download: ~4 MB of base64 in flight per stream. */
export const DOWNLOAD_STREAM_WINDOW_BYTES = 4 * 1024 * 1024;

export interface BackupDownloadOpened {
  stream: string;
  backupId: string;
  instanceId: string;
  instanceName: string;
  /** Content bytes the parts after the manifest hold (dump, files, roles): the progress total. */
  totalBytes: number;
  parts: BackupDownloadPart[];
  /** The destination the bytes are read from. */
  destination: string;
}

/** One project's line of `backups.summary`. */
export interface ProjectBackupSummary {
  instanceId: string;
  name: string;
  /** How many backups the index holds (safety and pre-upgrade ones included). */
  count: number;
  /** The newest backup that is not a safety backup. */
  last?: {
    id: string;
    startedAt: string;
    /** Database dump plus files, before compression and deduplication. */
    bytes: number;
    destinations: string[];
  };
  schedule: BackupScheduleView | null;
  backupStatus?: BackupStatus;
  /**
   * The newest backup job of the project, when it failed after the last backup (the agent keeps
   * recent jobs in memory: forgotten when the agent restarts).
   */
  lastError?: { at: string; code: string; message: string };
}

export type BackupProblem = 'never' | 'failed' | 'drill-failed' | 'stale' | 'unscheduled' | 'ok';

/** Problems first: the order the server-wide view and `backups list <server>` sort by. */
export const BACKUP_PROBLEM_ORDER: BackupProblem[] = [
  'failed',
  'drill-failed',
  'never',
  'stale',
  'unscheduled',
  'ok',
];

const PERIOD_MS = { hourly: 3_600_000, daily: 86_400_000, weekly: 7 * 86_400_000 } as const;

/**
 * A project's worst backup problem: the last backup job failed; the last restore drill failed;
 * never backed up; stale (a schedule exists and the newest backup is older than two of its
 * periods, or none came two periods after it was set); no schedule; else ok.
 */
export function backupProblem(p: ProjectBackupSummary, now: number): BackupProblem {
  if (p.lastError) return 'failed';
  if (p.backupStatus?.lastDrill?.ok === false) return 'drill-failed';
  if (p.schedule) {
    const period = PERIOD_MS[p.schedule.frequency];
    const from = Date.parse(p.last?.startedAt ?? p.schedule.since);
    if (now - from > 2 * period) return p.last ? 'stale' : 'never';
  }
  if (!p.last) return 'never';
  if (!p.schedule) return 'unscheduled';
  return 'ok';
}

/** Problems first, then the oldest last backup, then by name. */
export function sortByProblem(
  rows: ProjectBackupSummary[],
  now: number,
): Array<ProjectBackupSummary & { problem: BackupProblem }> {
  return rows
    .map((r) => ({ ...r, problem: backupProblem(r, now) }))
    .sort(
      (a, b) =>
        BACKUP_PROBLEM_ORDER.indexOf(a.problem) - BACKUP_PROBLEM_ORDER.indexOf(b.problem) ||
        (a.last?.startedAt ?? '').localeCompare(b.last?.startedAt ?? '') ||
        a.name.localeCompare(b.name),
    );
}
