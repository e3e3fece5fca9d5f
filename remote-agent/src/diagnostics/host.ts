import type { HostReadings } from '../system/resources';
import type { CheckOutcome } from './run';

/** Below this, Postgres soon cannot write WAL at all: not a warning any more. */
const CRITICAL_DISK_MB = 256;

export function judgeDisk(host: HostReadings, minFreeDiskMb: number): CheckOutcome {
  const evidence = `${host.diskFreeMb} MB free of ${host.diskTotalMb} MB on the data directory's disk.`;
  if (host.diskFreeMb < CRITICAL_DISK_MB) {
    return {
      status: 'fail',
      evidence,
      fix: 'Free disk space now (old images: docker image prune; logs; unused instances): databases stop writing when the disk is full.',
    };
  }
  if (host.diskFreeMb < minFreeDiskMb) {
    return {
      status: 'warn',
      evidence: `${evidence} The agent keeps at least ${minFreeDiskMb} MB free.`,
      fix: 'Free disk space (docker image prune, old backups) or grow the disk.',
    };
  }
  return { status: 'ok', evidence };
}

export function judgeMemory(host: HostReadings, minFreeMemoryMb: number): CheckOutcome {
  const evidence = `${host.memoryAvailableMb} MB available of ${host.memoryTotalMb} MB.`;
  if (host.memoryAvailableMb < minFreeMemoryMb) {
    return {
      status: 'warn',
      evidence: `${evidence} The agent wants at least ${minFreeMemoryMb} MB available.`,
      fix: 'Stop instances you do not need, or add memory: services get killed when it runs out.',
    };
  }
  return { status: 'ok', evidence };
}
