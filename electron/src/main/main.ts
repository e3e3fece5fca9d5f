// Electron's main process: only glue. Every decision (who may call, which arguments pass,
// where the window goes, what a link does, what deserves a notification) lives in the small
// modules beside this file, which are tested without the Electron binary.
import {
  BrowserWindow,
  Menu,
  Notification,
  Tray,
  app,
  dialog,
  ipcMain,
  nativeImage,
  net,
  protocol,
  screen,
  session,
  shell,
  type IpcMainInvokeEvent,
  type WebContents,
} from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DESKTOP_METHODS, type DesktopEvent } from '@contract/api';
import { EVENT_CHANNEL, invokeChannel } from '../preload/channels';
import { appResponseHeaders, resolveAppAsset } from './app-protocol';
import { atomicFile } from './atomic-file';
import { startDesktop } from './desktop-host';
import { createIpcCalls, type SenderFrame } from './ipc-wrapper';
import { buildMenuTemplate } from './menu';
import { ProjectWatch, type Notice } from './project-watch';
import { createShutdown } from './shutdown';
import { StreamLeases, withStreamLeases } from './stream-leases';
import { withImportPicker } from './import-picker';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  decideLeave,
  isOwnPage,
  isPermissionAllowed,
  mainWindowOptions,
} from './window-options';
import { createWindowStateStore, type WindowState } from './window-state';

const SHUTDOWN_TIMEOUT_MS = 8_000;

// Must happen before 'ready': a standard, secure scheme gets an origin, fetch and storage.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

if (!app.requestSingleInstanceLock()) {
  // Two instances would share the settings files and open a second SSH session per server.
  app.quit();
} else {
  if (process.platform === 'win32') app.setAppUserModelId('io.ultrabase.desktop');
  app.on('second-instance', () => showWindow());
  void app.whenReady().then(startShell);
}

let mainWindow: BrowserWindow | undefined;
let tray: Tray | undefined;
/** One window at a time, so one set of stream leases (see stream-leases.ts). */
let leases: StreamLeases | undefined;
const watch = new ProjectWatch();

function appDir(...parts: string[]): string {
  return join(app.getAppPath(), ...parts);
}

async function startShell(): Promise<void> {
  serveRenderer();
  lockDownSessions();

  const core = startDesktop({
    home: app.getPath('userData'),
    resourcesDir: app.isPackaged ? process.resourcesPath : appDir('dist'),
  });
  const streams = new StreamLeases((stream) => core.closeStream(stream));
  leases = streams;
  registerIpc(
    withImportPicker(withStreamLeases(core, streams), (options) =>
      mainWindow ? dialog.showOpenDialog(mainWindow, options) : dialog.showOpenDialog(options),
    ),
  );
  core.onEvent((event) => onCoreEvent(event, streams));

  const shutdown = createShutdown(async () => {
    await streams.releaseAll();
    await core.close();
  }, SHUTDOWN_TIMEOUT_MS);
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    // Hold the quit until SSH sessions and port forwards are closed (or the timeout passes).
    event.preventDefault();
    quitting = true;
    void shutdown().then(() => app.exit(0));
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => app.quit());
  }

  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({
        platform: process.platform,
        appName: app.getName(),
        isPackaged: app.isPackaged,
        actions: { showWindow, openExternal: openExternally },
      }),
    ),
  );
  createTray();
  mainWindow = createWindow(streams);
  app.on('activate', () => showWindow());
  app.on('window-all-closed', () => {
    // macOS apps stay in the dock with their menu; elsewhere closing the window quits.
    if (process.platform !== 'darwin') app.quit();
  });

  try {
    watch.seed(await core.listProjects());
    updateBadge();
  } catch {
    // No server connected yet: the badge fills in as project events arrive.
  }
}

function serveRenderer(): void {
  const rendererDir = appDir('dist', 'renderer');
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppAsset(rendererDir, request.url);
    if (file === undefined) return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).href);
    if (!response.ok) return new Response('Not found', { status: 404 });
    return new Response(response.body, { status: 200, headers: appResponseHeaders(file) });
  });
}

function lockDownSessions(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((webContents, permission, callback) => {
    callback(isPermissionAllowed(permission, webContents.getURL()));
  });
  ses.setPermissionCheckHandler((_webContents, permission, requestingOrigin) =>
    isPermissionAllowed(permission, requestingOrigin),
  );
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      leave(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event, url) => {
      event.preventDefault();
      leave(url);
    });
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

function leave(url: string): void {
  const decision = decideLeave(url);
  if ('openExternally' in decision) openExternally(decision.openExternally);
}

function openExternally(url: string): void {
  // Re-checked here too: the menu passes constants, but nothing reaches the OS unvetted.
  const decision = decideLeave(url);
  if ('openExternally' in decision) void shell.openExternal(decision.openExternally);
}

function registerIpc(handlers: Parameters<typeof createIpcCalls>[0]): void {
  const calls = createIpcCalls(handlers, {
    isTrustedSender: isOwnPage,
    onUnexpectedError: (method, error) => {
      // The name only: messages of unexpected errors may quote arguments (passwords).
      const name = error instanceof Error ? error.name : typeof error;
      console.error(`ultrabase: ${method} failed unexpectedly (${name})`);
    },
  });
  for (const method of DESKTOP_METHODS) {
    ipcMain.handle(invokeChannel(method), (event: IpcMainInvokeEvent, args: unknown) =>
      calls[method](senderFrameOf(event), args),
    );
  }
}

function senderFrameOf(event: IpcMainInvokeEvent): SenderFrame | null {
  // Only our window's own web contents may call, whatever page it shows.
  if (mainWindow === undefined || event.sender !== mainWindow.webContents) return null;
  const frame = event.senderFrame;
  if (frame === null) return null;
  return { url: frame.url, isMainFrame: frame.parent === null };
}

function onCoreEvent(event: DesktopEvent, leases: StreamLeases): void {
  leases.observe(event);
  const contents = liveContents();
  if (contents !== undefined) contents.send(EVENT_CHANNEL, event);
  const notices = watch.apply(event);
  for (const notice of notices) notify(notice);
  if (event.type.startsWith('project.') || event.type === 'server.removed') updateBadge();
}

function liveContents(): WebContents | undefined {
  if (mainWindow === undefined || mainWindow.isDestroyed()) return undefined;
  const contents = mainWindow.webContents;
  return contents.isDestroyed() || contents.isCrashed() ? undefined : contents;
}

function createWindow(leases: StreamLeases): BrowserWindow {
  const stateStore = createWindowStateStore(
    atomicFile(join(app.getPath('userData'), 'window.json')),
  );
  const displays = screen.getAllDisplays().map((display) => display.workArea);
  const state = stateStore.load(displays, screen.getPrimaryDisplay().workArea);
  const window = new BrowserWindow(
    mainWindowOptions(
      join(__dirname, 'preload.cjs'),
      {
        ...(state.x === undefined ? {} : { x: state.x }),
        ...(state.y === undefined ? {} : { y: state.y }),
        width: state.width,
        height: state.height,
      },
      { isPackaged: app.isPackaged },
    ),
  );
  if (state.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());

  const remember = (): void => {
    if (window.isDestroyed() || window.isMinimized() || window.isFullScreen()) return;
    // Normal bounds: a maximized window reopens maximized, and un-maximizes to this size.
    const bounds = window.getNormalBounds();
    const next: WindowState = { ...bounds, maximized: window.isMaximized() };
    stateStore.save(next);
  };
  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  const rememberSoon = (): void => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(remember, 500);
  };
  window.on('resize', rememberSoon);
  window.on('move', rememberSoon);
  window.on('close', () => {
    clearTimeout(saveTimer);
    remember();
  });

  // A page that goes away never acknowledges its streams again (see stream-leases.ts).
  const release = (): void => void leases.releaseAll();
  window.webContents.on('did-start-navigation', (details) => {
    if (details.isMainFrame && !details.isSameDocument) release();
  });
  window.webContents.on('render-process-gone', release);
  window.on('closed', () => {
    release();
    mainWindow = undefined;
  });

  void window.loadURL(APP_ENTRY_URL);
  return window;
}

function showWindow(): void {
  if (leases === undefined) return;
  if (mainWindow === undefined || mainWindow.isDestroyed()) mainWindow = createWindow(leases);
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

function notify(notice: Notice): void {
  if (!Notification.isSupported()) return;
  const focused = mainWindow !== undefined && !mainWindow.isDestroyed() && mainWindow.isFocused();
  // The focused window already shows a toast for finished work; failures always notify.
  if (focused && !notice.urgent) return;
  const notification = new Notification({ title: notice.title, body: notice.body });
  notification.on('click', () => showWindow());
  notification.show();
}

function createTray(): void {
  const icon = nativeImage.createFromPath(appDir('assets', 'icons', 'png', '32x32.png'));
  if (icon.isEmpty()) return;
  tray = new Tray(icon);
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Show Ultrabase', click: () => showWindow() },
      { type: 'separator' },
      { role: 'quit' },
    ]),
  );
  tray.on('click', () => showWindow());
  updateBadge();
}

function updateBadge(): void {
  const count = watch.unhealthyCount();
  // Dock badge on macOS, launcher badge on Linux desktops that support it (Unity API).
  app.setBadgeCount(count);
  if (tray === undefined) return;
  tray.setToolTip(
    count === 0
      ? 'Ultrabase: all projects healthy'
      : `Ultrabase: ${count} project${count === 1 ? '' : 's'} need${count === 1 ? 's' : ''} attention`,
  );
  if (process.platform === 'darwin') tray.setTitle(count === 0 ? '' : String(count));
}
