import { z } from 'zod';
import {
  backupScheduleInput,
  destinationInput,
  type BackupDestinationPublic,
  type BackupProgress,
  type BackupScheduleView,
  type BackupSummary,
} from '@protocol/backups';
import type { BackupDownloadPart, ProjectBackupSummary } from '@protocol/backup-transfer';
import type { ApiError } from './errors';
import type { DumpImportReport } from '@protocol/backups-import';
import { defineMethod } from './define-method';
import type { ProjectView } from './api';

const idArg = z.string().min(1).max(64);
const backupId = z.string().regex(/^b[0-9a-z-]{10,40}$/);
const destination = z.string().max(32).optional();
const destinationId = z.string().regex(/^d[0-9a-f]{10}$/);

export interface CloneToServerResult {
  /** The job on the target server (`backupJob(toServer, jobId)`). */
  jobId: string;
  queuePosition: number;
  /** The new project, on the target server. */
  project: ProjectView;
  backupId: string;
}

export interface BackupJobView {
  instanceId: string;
  events: BackupProgress[];
  finished: boolean;
  backupId?: string;
  error?: { code: string; message: string };
}

/** What a finished download holds (the folder is complete and every checksum matched). */
export interface DownloadedBackup {
  dir: string;
  /** Content bytes written (dump, files, roles): what the progress counted. */
  bytes: number;
  files: number;
  database: { file: string; sha256: string; bytes: number };
  roles?: string;
}

/** One download's state, polled by the renderer and the CLI (`backupDownload`). */
export interface BackupDownloadView {
  downloadId: string;
  serverId: string;
  instanceId: string;
  backupId: string;
  /** The folder it is written to, once the backup's manifest arrived. */
  dir?: string;
  bytes: number;
  totalBytes: number;
  part?: BackupDownloadPart;
  finished: boolean;
  /** Set when finished well: every checksum matched the manifest. */
  result?: DownloadedBackup;
  error?: ApiError;
}

/** Backups (remote-agent/src/backups/): spread into `desktopMethods`. */
export const backupDesktopMethods = {
  listBackups: defineMethod<BackupSummary[]>()([idArg, idArg]),
  createBackup: defineMethod<{ jobId: string; queuePosition: number }>()(
    [idArg, idArg],
    [z.object({ destinations: z.array(z.string().max(32)).max(16).optional() }).strict()],
  ),
  /** Replaces the project's data (after a safety backup); `confirm` is its typed name. */
  restoreBackup: defineMethod<{ jobId: string; queuePosition: number }>()([
    idArg,
    idArg,
    backupId,
    z.object({ confirm: z.string().max(400), destination }).strict(),
  ]),
  /** Restores into a new project named `name` on the same server. */
  cloneBackup: defineMethod<{ jobId: string; queuePosition: number; project: ProjectView }>()([
    idArg,
    idArg,
    backupId,
    z.object({ name: z.string().max(400), destination }).strict(),
  ]),
  verifyBackup: defineMethod<{ jobId: string; queuePosition: number }>()(
    [idArg, idArg, backupId],
    [z.object({ destination }).strict()],
  ),
  backupJob: defineMethod<BackupJobView>()([idArg, z.string().regex(/^j[0-9a-f]{10}$/)]),
  /** Reads (no third argument), sets, or with null removes a project's backup schedule. */
  backupSchedule: defineMethod<BackupScheduleView | null>()(
    [idArg, idArg],
    [backupScheduleInput.nullable()],
  ),
  listBackupDestinations: defineMethod<BackupDestinationPublic[]>()([idArg]),
  /**
   * Downloads a backup into a folder on this computer (`<out>/<project>-<backup>`; default the
   * Downloads folder): db.sql, the Storage and functions files, manifest.json, and roles.sql
   * only with `roles` (password hashes). Returns at once; follow it with `backupDownload`.
   */
  downloadBackup: defineMethod<{ downloadId: string }>()(
    [idArg, idArg, backupId],
    [
      z
        .object({
          outDir: z.string().min(1).max(4096).optional(),
          roles: z.boolean().optional(),
          destination,
        })
        .strict(),
    ],
  ),
  backupDownload: defineMethod<BackupDownloadView>()([z.string().regex(/^dl[0-9a-f]{10}$/)]),
  /** Stops a running download; its partial folder is removed (it ends with CANCELLED). */
  cancelBackupDownload: defineMethod<{ ok: true }>()([z.string().regex(/^dl[0-9a-f]{10}$/)]),
  /** Every project's backup state on one server, for the server-wide backups view. */
  serverBackups: defineMethod<ProjectBackupSummary[]>()([idArg]),
  /**
   * Fetches the server's repository password into this computer's keychain (admins). Returns
   * it only the first time the server hands it out, for the agency's own vault.
   */
  saveBackupKey: defineMethod<{ stored: true; shownOnce?: string }>()([idArg]),
  /**
   * Adds an SFTP or S3 destination to a server (admins). Its credentials also go into this
   * computer's keychain, so its backups can be cloned onto another server after this one is gone.
   */
  addBackupDestination: defineMethod<BackupDestinationPublic>()([idArg, destinationInput]),
  removeBackupDestination: defineMethod<{ ok: true }>()([idArg, destinationId]),
  /**
   * Clones a project's backup onto ANOTHER server (`toServer`), from a destination both can
   * reach, with the source server's repository password from the keychain: the source server
   * need not be reachable. Without `destination`, the only one with credentials in the keychain;
   * without `backupId`, the project's newest backup there. Follow the job on `toServer`.
   */
  cloneBackupToServer: defineMethod<CloneToServerResult>()([
    idArg,
    idArg,
    z
      .object({
        toServer: idArg,
        name: z.string().max(400),
        destination: destinationId.optional(),
        backupId: backupId.optional(),
      })
      .strict(),
  ]),
} as const;

/** Where an import of a pg_dump (core/import-api.ts) stands, as the UI and the CLI draw it. */
export interface DumpImportProgress {
  phase:
    'checking' | 'creating' | 'uploading-dump' | 'loading' | 'uploading-files' | 'done' | 'failed';
  /** Bytes sent of the dump and the Storage files together, of `totalBytes`. */
  bytes: number;
  totalBytes: number;
  files: number;
  totalFiles: number;
}

export type DumpImportSummary = Omit<DumpImportReport, 'instance'>;

export interface DumpImportStatus {
  serverId: string;
  finished: boolean;
  progress: DumpImportProgress;
  /** The new project (when the import finished well). */
  project?: ProjectView;
  report?: DumpImportSummary;
  error?: { code: string; message: string };
}

const localPath = z.string().min(1).max(4096);

/** Import of an existing Supabase project from a pg_dump file (+ a Storage folder). */
export const dumpImportDesktopMethods = {
  /**
   * Starts importing into a NEW project named `name` (admins of the server); returns at once.
   * Follow it with `dumpImportStatus`.
   */
  startDumpImport: defineMethod<{ importId: string }>()([
    idArg,
    z
      .object({ dumpPath: localPath, storageDir: localPath.optional(), name: z.string().max(400) })
      .strict(),
  ]),
  dumpImportStatus: defineMethod<DumpImportStatus>()([z.string().regex(/^i[0-9a-f]{12}$/)]),
  /** Gives the import up; the server removes the half-made project. */
  cancelDumpImport: defineMethod<{ ok: true }>()([z.string().regex(/^i[0-9a-f]{12}$/)]),
  /**
   * The desktop app's file picker (null when the person closed it); the CLI has none. Only a
   * path picked here is accepted by `startDumpImport` in the app.
   */
  chooseImportPath: defineMethod<string | null>()([z.enum(['dump', 'storage'])]),
} as const;
