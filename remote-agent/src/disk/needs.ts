import type { ExtraNeed } from './space';

const MB = 1024 * 1024;

/**
 * A restore writes the backup twice before anything is freed: read back in full into a staging
 * folder (checked before the project is touched), then loaded into the database and the Storage
 * folder, while the old data is still there until it is replaced.
 */
export function restoreNeed(backupBytes: number): ExtraNeed {
  const mb = Math.ceil(backupBytes / MB);
  return { mb: 2 * mb, why: `the backup (${mb} MB) read back, then restored` };
}

/**
 * A Postgres major upgrade dumps the database (the pre-upgrade backup) and fills a new data
 * directory from it while the old one is kept aside until the new major is healthy: about the
 * current data directory's size twice (a dump is rarely bigger than the data it comes from).
 */
export function postgresUpgradeNeed(dataDirectoryBytes: number): ExtraNeed {
  const mb = Math.ceil(dataDirectoryBytes / MB);
  return { mb: 2 * mb, why: `a dump and a new data directory, each up to the database's ${mb} MB` };
}
