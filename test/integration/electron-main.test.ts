// Runs the built main process (dist/electron/main.cjs) with the real desktop core, against a
// recording fake of the `electron` module: the Electron binary cannot be downloaded here, so
// this is the closest check that the glue wires what the tested modules decide (one handler
// per method, the sender check, the secure window, the custom scheme, clean shutdown).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInThisContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP_METHODS } from '@contract/api';

const root = join(import.meta.dirname, '..', '..');
const bundle = join(root, 'dist', 'electron', 'main.cjs');
type Listener = (...args: unknown[]) => unknown;

function fakeElectron(home: string, lock: boolean) {
  const rec = {
    handlers: new Map<string, Listener>(),
    appEvents: new Map<string, Listener>(),
    windows: [] as Array<{ options: Record<string, unknown>; url?: string; contents: object }>,
    privileged: [] as unknown[],
    schemes: [] as string[],
    quit: 0,
    exited: [] as number[],
    ready: undefined as (() => void) | undefined,
  };
  class BrowserWindow {
    webContents = {
      on() {},
      send() {},
      isDestroyed: () => false,
      isCrashed: () => false,
      getURL: () => 'app://ultrabase/index.html',
    };
    constructor(options: Record<string, unknown>) {
      rec.windows.push({ options, contents: this.webContents });
    }
    loadURL(url: string) {
      rec.windows.at(-1)!.url = url;
      return Promise.resolve();
    }
    on() {}
    once() {}
    maximize() {}
    isDestroyed = () => false;
    isFocused = () => true;
  }
  const electron = {
    app: {
      isPackaged: false,
      requestSingleInstanceLock: () => lock,
      quit: () => {
        rec.quit += 1;
      },
      exit: (code: number) => rec.exited.push(code),
      on: (name: string, fn: Listener) => rec.appEvents.set(name, fn),
      whenReady: () => new Promise<void>((resolve) => (rec.ready = resolve)),
      getPath: () => home,
      getAppPath: () => root,
      getName: () => 'Ultrabase',
      setBadgeCount: () => true,
      setAppUserModelId() {},
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => rec.privileged.push(...schemes),
      handle: (scheme: string) => rec.schemes.push(scheme),
    },
    session: {
      defaultSession: { setPermissionRequestHandler() {}, setPermissionCheckHandler() {} },
    },
    ipcMain: { handle: (channel: string, fn: Listener) => rec.handlers.set(channel, fn) },
    Menu: { setApplicationMenu() {}, buildFromTemplate: (t: unknown) => t },
    Tray: class {
      setContextMenu() {}
      on() {}
      setToolTip() {}
      setTitle() {}
    },
    nativeImage: { createFromPath: () => ({ isEmpty: () => false }) },
    Notification: Object.assign(class {}, { isSupported: () => false }),
    screen: {
      getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
      getPrimaryDisplay: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }),
    },
    shell: { openExternal: async () => {} },
    net: { fetch: async () => new Response('') },
    BrowserWindow,
  };
  return { electron, rec };
}

function loadMain(home: string, lock: boolean) {
  const { electron, rec } = fakeElectron(home, lock);
  const realRequire = createRequire(bundle);
  const wrapper = runInThisContext(
    `(function (exports, require, module, __filename, __dirname) {${readFileSync(bundle, 'utf8')}\n})`,
  ) as (...args: unknown[]) => void;
  const module = { exports: {} };
  const require = (name: string) => (name === 'electron' ? electron : realRequire(name));
  wrapper(module.exports, require, module, bundle, join(root, 'dist', 'electron'));
  return rec;
}

describe('built main process', () => {
  const home = mkdtempSync(join(tmpdir(), 'ub-main-'));
  let rec: ReturnType<typeof fakeElectron>['rec'];
  beforeAll(async () => {
    rec = loadMain(home, true);
    rec.ready?.();
    await new Promise((resolve) => setTimeout(resolve, 200));
  });
  afterAll(async () => {
    await rec.appEvents.get('before-quit')?.({ preventDefault() {} });
    await new Promise((resolve) => setTimeout(resolve, 200));
    rmSync(home, { recursive: true, force: true });
  });

  it('registers the app scheme as privileged before ready, and serves it', () => {
    expect(rec.privileged).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    expect(rec.schemes).toEqual(['app']);
  });

  it('registers exactly one IPC handler per DesktopApi method', () => {
    expect([...rec.handlers.keys()].sort()).toEqual(
      DESKTOP_METHODS.map((m) => `ultrabase:call:${m}`).sort(),
    );
  });

  it('opens one hidden, sandboxed window on our own scheme', () => {
    expect(rec.windows).toHaveLength(1);
    const window = rec.windows[0]!;
    expect(window.url).toBe('app://ultrabase/index.html');
    expect(window.options).toMatchObject({
      show: false,
      webPreferences: {
        preload: join(root, 'dist', 'electron', 'preload.cjs'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webviewTag: false,
      },
    });
  });

  it('answers our page with the real core, and refuses other frames and windows', async () => {
    const window = rec.windows[0]!;
    const handler = rec.handlers.get('ultrabase:call:getSettings')!;
    const own = { sender: window.contents, senderFrame: { url: window.url, parent: null } };
    await expect(handler(own, [])).resolves.toMatchObject({
      result: { theme: expect.any(String) },
    });
    const iframe = { ...own, senderFrame: { url: window.url, parent: {} } };
    await expect(handler(iframe, [])).resolves.toMatchObject({ error: { code: 'FORBIDDEN' } });
    const otherWindow = { ...own, sender: {} };
    await expect(handler(otherWindow, [])).resolves.toMatchObject({
      error: { code: 'FORBIDDEN' },
    });
    await expect(handler(own, ['extra'])).resolves.toMatchObject({
      error: { code: 'INVALID_PARAMS' },
    });
  });

  it('holds the quit until the core is closed, then exits', async () => {
    let prevented = 0;
    await rec.appEvents.get('before-quit')?.({ preventDefault: () => (prevented += 1) });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(prevented).toBe(1);
    expect(rec.exited).toEqual([0]);
  });
});

describe('a second instance', () => {
  it('quits at once without starting the core or a window', () => {
    const home = mkdtempSync(join(tmpdir(), 'ub-main2-'));
    try {
      const rec = loadMain(home, false);
      expect(rec.quit).toBe(1);
      expect(rec.ready).toBeUndefined();
      expect(rec.windows).toEqual([]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
