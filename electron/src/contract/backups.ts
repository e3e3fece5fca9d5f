import { z } from 'zod';
import {
  backupScheduleInput,
  type BackupDestinationPublic,
  type BackupProgress,
  type BackupScheduleView,
  type BackupSummary,
} from '@protocol/backups';
import { defineMethod } from './define-method';
import type { ProjectView } from './api';

const idArg = z.string().min(1).max(64);
const backupId = z.string().regex(/^b[0-9a-z-]{10,40}$/);
const destination = z.string().max(32).optional();

export interface BackupJobView {
  instanceId: string;
  events: BackupProgress[];
  finished: boolean;
  backupId?: string;
  error?: { code: string; message: string };
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
   * Fetches the server's repository password into this computer's keychain (admins). Returns
   * it only the first time the server hands it out, for the agency's own vault.
   */
  saveBackupKey: defineMethod<{ stored: true; shownOnce?: string }>()([idArg]),
} as const;
