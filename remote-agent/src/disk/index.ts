export { diskNeeds, ensureFreeSpace, type DiskOperation, type ExtraNeed } from './space';
export { postgresUpgradeNeed, restoreNeed } from './needs';
export { DiskReserve, RESERVE_FILE, DEFAULT_RESERVE_MB } from './reserve';
export { diskFullError, isDiskFull } from './full-disk';
export { diskGuard } from './guard';
