import { describe, expect, it } from 'vitest';
import type { DesktopHandlers } from './ipc-wrapper';
import { withImportPicker, type OpenDialog } from './import-picker';

function handlers() {
  const started: unknown[] = [];
  const core = {
    startDumpImport: async (...args: unknown[]) => {
      started.push(args);
      return { importId: 'i000000000001' };
    },
  } as unknown as DesktopHandlers;
  return { core, started };
}

describe('withImportPicker', () => {
  it('imports only what the person picked in the dialog', async () => {
    const { core, started } = handlers();
    const answers = [
      { canceled: false, filePaths: ['/home/ana/old.sql'] },
      { canceled: true, filePaths: [] },
    ];
    const dialog: OpenDialog = async () => answers.shift()!;
    const api = withImportPicker(core, dialog);
    expect(await api.chooseImportPath('dump')).toBe('/home/ana/old.sql');
    expect(await api.chooseImportPath('storage')).toBeNull();
    await expect(
      api.startDumpImport('srv', { dumpPath: '/home/ana/.ssh/id_ed25519', name: 'x' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      api.startDumpImport('srv', { dumpPath: '/home/ana/old.sql', storageDir: '/etc', name: 'x' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(started).toEqual([]);
    await api.startDumpImport('srv', { dumpPath: '/home/ana/old.sql', name: 'x' });
    expect(started).toHaveLength(1);
  });
});
