import type { AnyCommand } from '../command-table';
import { alertCommands } from './alerts';
import { backupCommands } from './backups';
import { backupAcrossServerCommands } from './backups-destinations';
import { dumpImportCommands } from './backups-import';
import { connectionCommands } from './connection';
import { domainsCommands } from './domains';
import { logCommands } from './logs';
import { projectCommands } from './projects';
import { serverCommands } from './servers';
import { settingsCommands } from './settings';
import { staffCommands } from './staff';
import { userCommands } from './users';

/** Every command of `ultrabase`, in the order the usage text lists them. */
export const COMMANDS: readonly AnyCommand[] = [
  ...serverCommands,
  ...connectionCommands,
  ...projectCommands,
  ...logCommands,
  ...userCommands,
  ...staffCommands,
  ...settingsCommands,
  ...alertCommands,
  ...domainsCommands,
  ...backupCommands,
  ...backupAcrossServerCommands,
  ...dumpImportCommands,
];
