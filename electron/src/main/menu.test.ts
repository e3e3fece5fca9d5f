import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { HELP_URL, buildMenuTemplate } from './menu';

function roles(items: MenuItemConstructorOptions[]): string[] {
  return items.flatMap((item) => [
    ...(item.role ? [item.role] : []),
    ...(Array.isArray(item.submenu) ? roles(item.submenu) : []),
  ]);
}

function build(platform: NodeJS.Platform, isPackaged = true, opened: string[] = []) {
  return buildMenuTemplate({
    platform,
    appName: 'Ultrabase',
    isPackaged,
    actions: { showWindow: () => {}, openExternal: (url) => opened.push(url) },
  });
}

describe('buildMenuTemplate', () => {
  it('has the usual edit shortcuts everywhere (copy/paste in inputs need the Edit roles)', () => {
    for (const platform of ['darwin', 'linux', 'win32'] as const) {
      expect(roles(build(platform))).toEqual(
        expect.arrayContaining(['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'quit']),
      );
    }
  });

  it('puts the app menu first on macOS only', () => {
    expect(build('darwin')[0]?.label).toBe('Ultrabase');
    expect(build('linux')[0]?.label).toBe('File');
  });

  it('keeps reload and devtools out of packaged builds', () => {
    expect(roles(build('linux', true))).not.toContain('reload');
    expect(roles(build('linux', true))).not.toContain('toggleDevTools');
    expect(roles(build('linux', false))).toContain('toggleDevTools');
  });

  it('opens help in the system browser', () => {
    const opened: string[] = [];
    const help = build('linux', true, opened).find((item) => item.role === 'help');
    const entry = (help?.submenu as MenuItemConstructorOptions[])[0];
    (entry?.click as () => void)();
    expect(opened).toEqual([HELP_URL]);
  });

  it('never assigns one accelerator twice', () => {
    const accelerators = build('darwin')
      .flatMap((item) => (Array.isArray(item.submenu) ? item.submenu : []))
      .map((item) => item.accelerator)
      .filter((a): a is string => typeof a === 'string');
    expect(new Set(accelerators).size).toBe(accelerators.length);
  });
});
