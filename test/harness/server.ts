// The browser test harness: serves the built renderer (dist/renderer) on 127.0.0.1 and bridges
// `window.ultrabase` to a real DesktopApi over a WebSocket. The page gets one extra classic
// script (/harness-bridge.js, same origin, so the CSP's `script-src 'self'` holds) that runs
// before the app's module script and defines the API, exactly as Electron's preload would.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  DESKTOP_METHODS,
  type DesktopApi,
  type DesktopEvent,
  type DesktopMethod,
} from '@contract/api';
import { isErrorCode, toApiError, type ApiError } from '@contract/errors';
import { validateCall } from '@contract/validate-call';
import { installBridge } from './bridge-client';

export const BRIDGE_PATH = '/harness-bridge';

/** What the harness needs from the core: the contract (the core may accept wider inputs). */
export type BridgedApi = Pick<DesktopApi, DesktopMethod | 'onEvent'>;

export interface HarnessOptions {
  api: BridgedApi;
  /** Folder with the built renderer; default dist/renderer. */
  root?: string;
  /**
   * Dev only: serve a script that defines `window.ultrabase` itself instead of the bridge (the
   * preview fixture for screenshots and the renderer benchmark). Never used by the e2e tests.
   */
  pageScript?: { path: string; source: string };
}

export interface Harness {
  url: string;
  /** Calls answered so far, by method (lets tests see that the UI really went through here). */
  calls: Map<string, number>;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** Turns whatever the core threw into the contract's error shape; never a stack trace. */
export function errorShape(error: unknown): ApiError {
  return toApiError(error, {
    trusted: isErrorCode,
    fallbackMessage: 'The desktop core failed unexpectedly.',
  });
}

/** The one check of a call (method, list, schema), shared with Electron's IPC wrapper. */
export { validateCall };

/**
 * Only our own page may open the bridge: a WebSocket is not bound by the same-origin policy, so
 * without these checks any web page open during an e2e run could drive the real core. The
 * browser sets Origin itself (a page cannot forge it), and the token is only in our page script.
 */
export function bridgeRequestAllowed(
  request: { origin?: string; url?: string },
  expected: { origin: string; token: string },
): boolean {
  if (request.origin !== expected.origin) return false;
  const given = new URL(request.url ?? '/', 'http://x').searchParams.get('token') ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(expected.token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const root = resolve(options.root ?? 'dist/renderer');
  const calls = new Map<string, number>();
  const token = randomBytes(24).toString('base64url');
  // Transpilers may wrap inner functions in a `__name(fn, "name")` helper (keepNames); the
  // page has no such helper, so the served script defines an identity one.
  const bridgeSource =
    `var __name = (target) => target;\n` +
    `(${installBridge.toString()})(${JSON.stringify(DESKTOP_METHODS)}, ${JSON.stringify(BRIDGE_PATH)}, ` +
    `${JSON.stringify(token)}, (${toApiError.toString()}));\n`;
  const pageScript = options.pageScript ?? { path: '/harness-bridge.js', source: bridgeSource };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === pageScript.path) {
      res.writeHead(200, { 'content-type': TYPES['.js']!, 'cache-control': 'no-store' });
      res.end(pageScript.source);
      return;
    }
    const rel = path === '/' ? 'index.html' : path.slice(1);
    const file = normalize(join(root, rel));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      res.writeHead(404).end('not found');
      return;
    }
    if (rel === 'index.html') {
      const tag = `<script src=".${pageScript.path}"></script>`;
      body = Buffer.from(body.toString('utf8').replace('</title>', `</title>\n    ${tag}`));
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    res.end(body);
  }

  const http = createServer((req, res) => {
    serve(req, res).catch(() => res.writeHead(500).end());
  });
  let origin = '';
  const wss = new WebSocketServer({
    server: http,
    path: BRIDGE_PATH,
    maxPayload: 8 * 1024 * 1024,
    verifyClient: (info: { origin: string; req: IncomingMessage }) =>
      bridgeRequestAllowed({ origin: info.origin, url: info.req.url ?? '/' }, { origin, token }),
  });
  const sockets = new Set<WebSocket>();

  wss.on('connection', (ws) => {
    sockets.add(ws);
    // Streams this page opened: closed when the page goes away, as a closing window would.
    const streams = new Set<string>();
    const send = (message: unknown) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    const off = options.api.onEvent((event: DesktopEvent) => {
      if (event.type === 'stream.end') streams.delete(event.stream);
      send({ event });
    });
    ws.on('message', (raw) => {
      let msg: { id?: unknown; method?: unknown; args?: unknown };
      try {
        msg = JSON.parse(raw.toString()) as typeof msg;
      } catch {
        return;
      }
      if (typeof msg.id !== 'number' || typeof msg.method !== 'string') return;
      const id = msg.id;
      const call = validateCall(msg.method, msg.args);
      if (!call.ok) {
        send({ id, error: call.error });
        return;
      }
      calls.set(call.method, (calls.get(call.method) ?? 0) + 1);
      const fn = options.api[call.method] as (...a: unknown[]) => Promise<unknown>;
      Promise.resolve()
        .then(() => fn.apply(options.api, call.args))
        .then(
          (result) => {
            if (call.method === 'followLogs') streams.add((result as { stream: string }).stream);
            if (call.method === 'closeStream') streams.delete(call.args[0] as string);
            send(result === undefined ? { id } : { id, result });
          },
          (error: unknown) => send({ id, error: errorShape(error) }),
        );
    });
    ws.on('close', () => {
      off();
      sockets.delete(ws);
      for (const stream of streams) void options.api.closeStream(stream).catch(() => undefined);
    });
  });

  await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
  const { port } = http.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: `http://127.0.0.1:${port}/`,
    calls,
    async close() {
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((ok) => wss.close(() => ok()));
      await new Promise<void>((ok) => http.close(() => ok()));
    },
  };
}
