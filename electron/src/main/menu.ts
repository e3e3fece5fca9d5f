import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  /** Brings the window back (it may be hidden or closed on macOS). */
  showWindow(): void;
  openExternal(url: string): void;
}

export const HELP_URL = 'https://supabase.com/docs/guides/self-hosting/docker';

/**
 * The usual menus with the platform's shortcuts. Roles give the native behaviour and
 * accelerators (⌘C/Ctrl+C, ⌘Q, …) for free; on macOS the first menu is the app menu.
 * Reload and devtools stay out of packaged builds: a reload drops every open log stream.
 */
export function buildMenuTemplate(options: {
  platform: NodeJS.Platform;
  appName: string;
  isPackaged: boolean;
  actions: MenuActions;
}): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: options.appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }
  template.push({
    label: 'File',
    submenu: [mac ? { role: 'close' } : { role: 'quit' }],
  });
  template.push({
    label: 'Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  });
  const view: MenuItemConstructorOptions[] = [
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  if (!options.isPackaged) {
    view.unshift({ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' });
  }
  template.push({ label: 'View', submenu: view });
  template.push({
    label: 'Window',
    submenu: mac
      ? [
          { role: 'minimize' },
          { role: 'zoom' },
          { type: 'separator' },
          { label: 'Ultrabase', accelerator: 'CmdOrCtrl+1', click: options.actions.showWindow },
          { role: 'front' },
        ]
      : [{ role: 'minimize' }, { role: 'close' }],
  });
  template.push({
    role: 'help',
    submenu: [
      {
        label: 'Supabase Self-Hosting Guide',
        click: () => options.actions.openExternal(HELP_URL),
      },
    ],
  });
  return template;
}
