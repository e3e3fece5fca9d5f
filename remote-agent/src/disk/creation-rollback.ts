import type { StackDriver } from '../lifecycle/stack-driver';
import type { Instance } from '@protocol/types';
import { diskFullError } from './full-disk';

/**
 * A creation whose registry write failed for a full disk: the stack may be up while the
 * registry still says `creating`. Give back the reserve (so the "failed" record can be saved),
 * remove the containers, network and volumes, and answer with DISK_FULL.
 */
export async function rollBackCreationOnFullDisk(driver: StackDriver, inst: Instance) {
  await driver.deps.releaseDiskReserve?.().catch(() => undefined);
  const removed = await driver.teardown(inst).then(
    () => true,
    () => false,
  );
  return diskFullError(
    'create',
    removed
      ? 'its containers, network and volumes were removed'
      : 'removing its containers failed too: delete the project once space is free',
  );
}
