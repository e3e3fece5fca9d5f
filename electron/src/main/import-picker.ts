import { UltrabaseError } from '@contract/errors';
import type { DesktopHandlers } from './ipc-wrapper';

/** Electron's open dialog as this needs it (main.ts passes `dialog.showOpenDialog`). */
export type OpenDialog = (options: {
  title?: string;
  properties: Array<'openFile' | 'openDirectory'>;
  filters?: Array<{ name: string; extensions: string[] }>;
}) => Promise<{ canceled: boolean; filePaths: string[] }>;

/**
 * The import's file pickers, and a guard on what it reads: the page may only import a file or
 * a folder the person picked in the system's own dialog, so a compromised page cannot make the
 * app send ~/.ssh (or any other local path) to a server.
 */
export function withImportPicker(
  handlers: DesktopHandlers,
  showOpenDialog: OpenDialog,
): DesktopHandlers {
  const picked = new Set<string>();
  return {
    ...handlers,
    async chooseImportPath(kind) {
      const result = await showOpenDialog(
        kind === 'dump'
          ? {
              properties: ['openFile'],
              filters: [
                { name: 'pg_dump', extensions: ['sql', 'gz', 'dump', 'txt'] },
                { name: '*', extensions: ['*'] },
              ],
            }
          : { properties: ['openDirectory'] },
      );
      const path = result.canceled ? undefined : result.filePaths[0];
      if (path === undefined) return null;
      picked.add(path);
      return path;
    },
    async startDumpImport(serverId, input) {
      for (const path of [input.dumpPath, input.storageDir]) {
        if (path !== undefined && !picked.has(path)) {
          throw new UltrabaseError(
            'FORBIDDEN',
            'Choose the files to import with the “Choose…” buttons.',
          );
        }
      }
      return handlers.startDumpImport(serverId, input);
    },
  };
}
