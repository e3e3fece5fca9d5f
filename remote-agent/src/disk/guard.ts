import type { DiskConfig } from '../config/schema';
import type { HostReadings } from '../system/resources';
import { DiskReserve } from './reserve';
import { diskNeeds, ensureFreeSpace, type DiskOperation, type ExtraNeed } from './space';

/**
 * The agent's one guard of its data directory's disk: the up-front check each operation runs
 * (and, when it passes, the reserve made again if a full disk used it up), and the reserve.
 */
export function diskGuard(deps: {
  dataDir: string;
  config: { resources: { minFreeDiskMb: number }; disk?: DiskConfig };
  readHost(): Promise<Pick<HostReadings, 'diskFreeMb' | 'diskTotalMb'>>;
}) {
  const reserve = new DiskReserve(deps.dataDir);
  const needs = diskNeeds(deps.config);
  return {
    reserve,
    /** `extra`: space for data the operation will write beyond the threshold (./needs.ts). */
    check: (operation: DiskOperation) => async (extra?: ExtraNeed) => {
      await ensureFreeSpace(operation, needs[operation], deps.readHost, extra);
      await reserve.ensure();
    },
  };
}
