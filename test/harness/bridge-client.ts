import type { ApiError, toApiError } from '@contract/errors';

/**
 * The script the harness serves as /harness-bridge.js: it defines `window.ultrabase` in the page
 * with one function per DesktopApi method, each a request over a WebSocket to the harness, which
 * calls the real core. It is the browser-side twin of Electron's preload. Kept as a function so it
 * is type-checked here and serialised with `toString()`; it may use nothing from outside itself
 * except its arguments. `normalise` is the contract's own `toApiError`, serialised beside it, so
 * a call rejects with exactly the plain `{code, message, data}` object the preload rejects with.
 * `token` is the harness's per-run secret: without it the WebSocket is refused.
 */
export function installBridge(
  methods: readonly string[],
  path: string,
  token: string,
  normalise: typeof toApiError,
): void {
  type Pending = { resolve: (v: unknown) => void; reject: (e: ApiError) => void };
  type Listener = (event: unknown) => void;
  const ws = new WebSocket(`ws://${location.host}${path}?token=${encodeURIComponent(token)}`);
  const pending = new Map<number, Pending>();
  const queue: string[] = [];
  const listeners = new Set<Listener>();
  let nextId = 1;

  const failure = (shape: unknown): ApiError => normalise(shape);

  ws.addEventListener('open', () => {
    for (const text of queue.splice(0)) ws.send(text);
  });
  ws.addEventListener('message', (e: MessageEvent<string>) => {
    const msg = JSON.parse(e.data) as {
      id?: number;
      result?: unknown;
      error?: { code: string; message: string; data?: unknown };
      event?: unknown;
    };
    if (msg.event !== undefined) {
      for (const listener of listeners) {
        try {
          listener(msg.event);
        } catch (err) {
          console.error(err);
        }
      }
      return;
    }
    const call = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!call || msg.id === undefined) return;
    pending.delete(msg.id);
    if (msg.error) call.reject(failure(msg.error));
    else call.resolve(msg.result);
  });
  ws.addEventListener('close', () => {
    for (const call of pending.values()) {
      call.reject(failure({ code: 'CONNECTION_LOST', message: 'The harness connection closed.' }));
    }
    pending.clear();
  });

  const api: Record<string, unknown> = {};
  for (const method of methods) {
    api[method] = (...args: unknown[]) =>
      new Promise((resolve, reject) => {
        // JSON turns a trailing `undefined` into null, which the argument schemas refuse.
        while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
        const id = nextId++;
        pending.set(id, { resolve, reject });
        const text = JSON.stringify({ id, method, args });
        if (ws.readyState === WebSocket.OPEN) ws.send(text);
        else queue.push(text);
      });
  }
  api.onEvent = (listener: Listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  Object.defineProperty(window, 'ultrabase', { value: Object.freeze(api), enumerable: true });
}
