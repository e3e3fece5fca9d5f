import { AgentError } from '@common/coded-error';
import type { DiskConfig } from '../config/schema';
import { ErrorCode } from '@protocol/error-codes';
import type { HostReadings } from '../system/resources';

/** Operations that write to the data directory's disk and are refused up front when it is low. */
export type DiskOperation = 'create' | 'backup' | 'apply';

/**
 * Free space (MB) each operation needs. Creation keeps the long-standing `resources.minFreeDiskMb`
 * (it also gates start); a backup's dump and restic cache are the biggest writes; an apply only
 * rewrites a project's files and the registry.
 */
export function diskNeeds(config: {
  resources: { minFreeDiskMb: number };
  disk?: DiskConfig;
}): Record<DiskOperation, number> {
  return {
    create: config.resources.minFreeDiskMb,
    backup: config.disk?.backupMinFreeMb ?? 1024,
    apply: config.disk?.applyMinFreeMb ?? 256,
  };
}

const WHAT: Record<DiskOperation, string> = {
  create: 'create a project',
  backup: 'take a backup',
  apply: 'apply settings',
};

/**
 * Refuses with INSUFFICIENT_RESOURCES (`resource: 'disk'`) and the numbers when the data
 * directory's disk has less free than the operation needs: refusing before anything is written
 * costs nothing, failing half-way costs a rollback.
 */
export async function ensureFreeSpace(
  operation: DiskOperation,
  requiredMb: number,
  readHost: () => Promise<Pick<HostReadings, 'diskFreeMb' | 'diskTotalMb'>>,
): Promise<void> {
  const { diskFreeMb, diskTotalMb } = await readHost();
  if (diskFreeMb >= requiredMb) return;
  const diskMissingMb = requiredMb - diskFreeMb;
  throw new AgentError(
    ErrorCode.INSUFFICIENT_RESOURCES,
    `Not enough free disk to ${WHAT[operation]}: ${diskFreeMb} MB free of ${diskTotalMb} MB on ` +
      `the data directory's disk, ${requiredMb} MB required (${diskMissingMb} MB missing). Free ` +
      'space (old backups, unused images: docker image prune) or lower the threshold in the agent config.',
    { resource: 'disk', operation, diskFreeMb, diskTotalMb, requiredMb, diskMissingMb },
  );
}
