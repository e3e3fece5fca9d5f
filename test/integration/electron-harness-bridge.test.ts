// The browser harness's WebSocket bridge without a browser: the page script it serves runs in a
// vm context with `ws` as its WebSocket. Proves (1) only our page may open the bridge (Origin
// and a per-run token), and (2) a failed call rejects in the page with exactly the plain object
// Electron's preload rejects with, so e2e tests see the real app's rejection shape.
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DESKTOP_METHODS, type DesktopApi } from '@contract/api';
import { UltrabaseError } from '@contract/errors';
import { createDesktopBridge } from '../../electron/src/preload/bridge';
import { BRIDGE_PATH, startHarness, type BridgedApi, type Harness } from '../harness/server';

const hostKeyChanged = () =>
  new UltrabaseError('HOST_KEY_CHANGED', 'The key changed.', {
    host: 'h',
    port: 22,
    algorithm: 'ssh-ed25519',
    fingerprint: 'SHA256:new',
    expected: 'SHA256:old',
    actual: 'SHA256:new',
  });

/** A core whose connectServer fails with a catalogued error and listServers answers []. */
function fakeCore(): BridgedApi {
  const api: Record<string, unknown> = {};
  for (const method of DESKTOP_METHODS) api[method] = async () => null;
  api.listServers = async () => [];
  api.connectServer = async () => {
    throw hostKeyChanged();
  };
  api.disconnectServer = async () => {
    // A bug, not a coded error: must not leak its message or stack to the page.
    throw Object.assign(new Error('ENOENT: /home/someone/.secret'), { code: 'ENOENT' });
  };
  api.onEvent = () => () => {};
  return api as unknown as BridgedApi;
}

let harness: Harness;
let port: number;

beforeAll(async () => {
  harness = await startHarness({ api: fakeCore() });
  port = Number(new URL(harness.url).port);
});
afterAll(async () => {
  await harness?.close();
});

function open(url: string, origin?: string): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin === undefined ? {} : { origin });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', reject);
  });
}

async function servedToken(): Promise<string> {
  const script = await (await fetch(new URL('/harness-bridge.js', harness.url))).text();
  const token = /"([A-Za-z0-9_-]{32})", \(/.exec(script)?.[1] ?? 'x';
  expect(token).toBeDefined();
  return token!;
}

describe('harness bridge access', () => {
  it('refuses a connection without the token, even from our origin', async () => {
    const outcome = await open(`ws://127.0.0.1:${port}${BRIDGE_PATH}`, `http://127.0.0.1:${port}`);
    expect(outcome).toBe(401);
  });

  it('refuses another origin even with the token', async () => {
    const token = await servedToken();
    const url = `ws://127.0.0.1:${port}${BRIDGE_PATH}?token=${token}`;
    expect(await open(url, 'https://evil.example')).toBe(401);
    expect(await open(url)).toBe(401);
  });

  it('accepts our own page with its token', async () => {
    const token = await servedToken();
    const url = `ws://127.0.0.1:${port}${BRIDGE_PATH}?token=${token}`;
    expect(await open(url, `http://127.0.0.1:${port}`)).toBe('open');
  });
});

describe('harness page rejections', () => {
  /** Runs the served page script in a sandbox whose WebSocket sends our page's Origin. */
  async function pageApi(): Promise<DesktopApi> {
    const script = await (await fetch(new URL('/harness-bridge.js', harness.url))).text();
    class PageWebSocket extends WebSocket {
      static override readonly OPEN = WebSocket.OPEN;
      constructor(url: string) {
        super(url, { origin: `http://127.0.0.1:${port}` });
      }
    }
    const window: Record<string, unknown> = {};
    runInNewContext(script, {
      WebSocket: PageWebSocket,
      location: { host: `127.0.0.1:${port}` },
      window,
      console,
      URL,
    });
    return window.ultrabase as DesktopApi;
  }

  /** The same failure through Electron's preload, as the renderer would see it. */
  async function preloadRejection(error: unknown): Promise<unknown> {
    const bridge = createDesktopBridge({
      invoke: async () => ({ error }),
      listen: () => {},
    });
    return bridge.connectServer('s1').catch((e: unknown) => e);
  }

  it('rejects with the plain object the preload rejects with, data intact', async () => {
    const api = await pageApi();
    const inPage = await api.connectServer('s1').catch((e: unknown) => e);
    const inElectron = await preloadRejection(hostKeyChanged().toJSON());
    expect(inPage).toEqual(inElectron);
    expect(inPage).toEqual({
      code: 'HOST_KEY_CHANGED',
      message: 'The key changed.',
      data: expect.objectContaining({ expected: 'SHA256:old', actual: 'SHA256:new' }),
    });
    expect(inPage).not.toBeInstanceOf(Error);
    expect(Object.keys(inPage as object).sort()).toEqual(['code', 'data', 'message']);
  });

  it('turns a non-contract failure into INTERNAL without its message', async () => {
    const api = await pageApi();
    const rejection = await api.disconnectServer('s1').catch((e: unknown) => e);
    expect(rejection).toEqual({
      code: 'INTERNAL',
      message: 'The desktop core failed unexpectedly.',
    });
  });

  it('rejects bad arguments as INVALID_PARAMS, omitted optional tails accepted', async () => {
    const api = await pageApi();
    await expect(api.listServers()).resolves.toEqual([]);
    await expect(api.listProjects()).resolves.toBeNull();
    const bad = await (api.connectServer as (...a: unknown[]) => Promise<unknown>)(42).catch(
      (e: unknown) => e,
    );
    expect(bad).toMatchObject({ code: 'INVALID_PARAMS' });
  });
});
