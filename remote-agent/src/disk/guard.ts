import type { DiskConfig } from '../config/schema';
import type { HostReadings } from '../system/resources';
import { DiskReserve } from './reserve';
import { diskNeeds, ensureFreeSpace, type DiskOperation } from './space';

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
    check: (operation: DiskOperation) => async () => {
      await ensureFreeSpace(operation, needs[operation], deps.readHost);
      await reserve.ensure();
    },
  };
}
