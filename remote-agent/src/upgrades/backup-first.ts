import { AgentError, describeError } from '@common/coded-error';
import type { BackupKind } from '@protocol/backups';
import { ErrorCode } from '@protocol/error-codes';
import type { BeforeUpgrade } from './upgrader';

/** What the upgrade needs of the backups service (remote-agent/src/backups/service.ts). */
export interface HeldBackups {
  backupHeld(
    instanceId: string,
    options: { kind: BackupKind },
  ): { done: Promise<{ manifest: { id: string } }> };
  restoreDatabaseHeld(instanceId: string, backupId: string): { done: Promise<unknown> };
}

/**
 * The upgrade's "backup first" (issue 18): a `pre-upgrade` backup taken under the upgrade's own
 * lock. Its failure stops the upgrade before anything changed (UPGRADE_BACKUP_FAILED, the
 * backup's own code as `cause`). When the new release changes the database image its
 * migrations may already have run by the time a later service fails, so the rollback gets a
 * way to put this backup's database back; otherwise the data never left the old image.
 */
export function backupFirst(backups: HeldBackups): BeforeUpgrade {
  return async (instance, plan) => {
    let backupId: string;
    try {
      const taken = await backups.backupHeld(instance.id, { kind: 'pre-upgrade' }).done;
      backupId = taken.manifest.id;
    } catch (error) {
      const { code, message } = describeError(error);
      throw new AgentError(
        ErrorCode.UPGRADE_BACKUP_FAILED,
        `The backup before the upgrade failed, so nothing was changed: ${message}`,
        { cause: code },
      );
    }
    const message = `Backup ${backupId} taken.`;
    if (!plan.databaseChanges) return { message, backupId };
    return {
      message,
      backupId,
      restoreDatabase: async () => {
        await backups.restoreDatabaseHeld(instance.id, backupId).done;
      },
    };
  };
}
