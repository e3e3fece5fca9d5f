import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log/logger';
import { errorFields } from '../log/logger';
import { LinuxStaffOs } from './linux-os';
import type { StaffOs } from './os';
import { StaffService, type StaffAuth } from './service';
import { FileStaffStore } from './store';

export { StaffService, STAFF_GROUP } from './service';
export type { DialTarget } from './dial-path';

/**
 * Builds the staff service for server.ts and rewrites the members' forced commands to this
 * agent's paths (after an upgrade they changed). Never fails the start: problems are logged.
 */
export async function startStaff(options: {
  dataDir: string;
  socketPath: string | undefined;
  auth: StaffAuth;
  logger: Logger;
  now: () => Date;
  os?: StaffOs;
}): Promise<StaffService> {
  const script = process.argv[1];
  const service = new StaffService({
    os: options.os ?? new LinuxStaffOs(),
    auth: options.auth,
    store: await FileStaffStore.open(options.dataDir),
    dial:
      options.socketPath && script
        ? {
            node: process.execPath,
            script: realpathSync(script),
            socket: path.resolve(options.socketPath),
          }
        : undefined,
    now: options.now,
    onUndoFailed: (what, error) =>
      options.logger.error('undo failed', { ...errorFields(error), what }),
  });
  for (const { username, error } of await service.reconcile()) {
    options.logger.warn('staff account not updated', { ...errorFields(error), username });
  }
  return service;
}
