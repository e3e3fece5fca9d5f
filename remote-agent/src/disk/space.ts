import { AgentError } from '@common/coded-error';
import type { DiskConfig } from '../config/schema';
import { ErrorCode } from '@protocol/error-codes';
import type { HostReadings } from '../system/resources';

/** Operations that write to the data directory's disk and are refused up front when it is low. */
export type DiskOperation =
  'create' | 'backup' | 'apply' | 'restore' | 'upgrade' | 'postgres-upgrade' | 'resize' | 'domain';

/**
 * Free space (MB) each operation needs. Creation keeps the long-standing `resources.minFreeDiskMb`
 * (it also gates start); a backup's dump and restic cache are the biggest writes; an apply only
 * rewrites a project's files and the registry.
 */
export function diskNeeds(config: {
  resources: { minFreeDiskMb: number };
  disk?: DiskConfig;
}): Record<DiskOperation, number> {
  const backup = config.disk?.backupMinFreeMb ?? 1024;
  const apply = config.disk?.applyMinFreeMb ?? 256;
  const upgrade = config.disk?.upgradeMinFreeMb ?? 2048;
  return {
    create: config.resources.minFreeDiskMb,
    backup,
    apply,
    // Plus twice the backup's size (./needs.ts): a safety backup comes first, like a backup.
    restore: config.disk?.restoreMinFreeMb ?? backup,
    // A safety backup and the new release's image layers (a Supabase release is ~GBs).
    upgrade,
    // Plus the dump and the new data directory (./needs.ts), on top of what an upgrade needs.
    'postgres-upgrade': upgrade,
    // A size or a domain change only rewrites a project's files (and Caddy's): like an apply.
    resize: apply,
    domain: apply,
  };
}

const WHAT: Record<DiskOperation, string> = {
  create: 'create a project',
  backup: 'take a backup',
  apply: 'apply settings',
  restore: 'restore this backup',
  upgrade: 'upgrade the project',
  'postgres-upgrade': 'move the project to the new Postgres',
  resize: 'change the project’s size or services',
  domain: 'change the project’s domains',
};

/** Space an operation needs beyond its threshold, for data it will write (a restore's backup). */
export interface ExtraNeed {
  mb: number;
  /** What the space is for, in the refusal: "twice the backup's 1200 MB". */
  why: string;
}

/**
 * Refuses with INSUFFICIENT_RESOURCES (`resource: 'disk'`) and the numbers when the data
 * directory's disk has less free than the operation needs: refusing before anything is written
 * costs nothing, failing half-way costs a rollback.
 */
export async function ensureFreeSpace(
  operation: DiskOperation,
  thresholdMb: number,
  readHost: () => Promise<Pick<HostReadings, 'diskFreeMb' | 'diskTotalMb'>>,
  extra?: ExtraNeed,
): Promise<void> {
  const { diskFreeMb, diskTotalMb } = await readHost();
  const extraMb = Math.max(0, Math.ceil(extra?.mb ?? 0));
  const requiredMb = thresholdMb + extraMb;
  if (diskFreeMb >= requiredMb) return;
  const diskMissingMb = requiredMb - diskFreeMb;
  const parts =
    extraMb > 0 ? ` (${thresholdMb} MB kept free + ${extraMb} MB for ${extra!.why})` : '';
  throw new AgentError(
    ErrorCode.INSUFFICIENT_RESOURCES,
    `Not enough free disk to ${WHAT[operation]}: ${diskFreeMb} MB free of ${diskTotalMb} MB on ` +
      `the data directory's disk, ${requiredMb} MB required${parts} (${diskMissingMb} MB missing). Free ` +
      'space (old backups, unused images: docker image prune) or lower the threshold in the agent config.',
    {
      resource: 'disk',
      operation,
      diskFreeMb,
      diskTotalMb,
      requiredMb,
      diskMissingMb,
      ...(extraMb > 0 ? { thresholdMb, extraMb } : {}),
    },
  );
}
