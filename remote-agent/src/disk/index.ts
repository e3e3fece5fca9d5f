export { diskNeeds, ensureFreeSpace, type DiskOperation } from './space';
export { DiskReserve, RESERVE_FILE, DEFAULT_RESERVE_MB } from './reserve';
export { diskFullError, isDiskFull } from './full-disk';
export { diskGuard } from './guard';
