import { DESKTOP_METHODS, type DesktopApi, type DesktopEvent } from '@contract/api';
import { toApiError } from '@contract/errors';
import { invokeChannel } from './channels';

/** What the preload needs from ipcRenderer, and nothing more (it is never exposed). */
export interface BridgeTransport {
  invoke(channel: string, args: unknown[]): Promise<unknown>;
  /** Registers the single event listener; called once, when the bridge is built. */
  listen(onEvent: (event: DesktopEvent) => void): void;
}

/**
 * Builds `window.ultrabase`: exactly the DesktopApi methods plus `onEvent`. Calls go out on
 * one channel per method; main answers `{result}` or `{error}`.
 *
 * Failures reject with a plain `{code, message, data}` object, not an Error: contextBridge
 * copies an Error's message only, so the code the renderer branches on would be lost.
 */
export function createDesktopBridge(transport: BridgeTransport): DesktopApi {
  const listeners = new Set<(event: DesktopEvent) => void>();
  transport.listen((event) => {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        // One broken listener must not starve the others (or the stream acknowledgements).
        console.error('ultrabase: an event listener threw', error);
      }
    }
  });

  const api: Record<string, unknown> = {};
  for (const method of DESKTOP_METHODS) {
    const channel = invokeChannel(method);
    api[method] = async (...args: unknown[]) => unwrap(await transport.invoke(channel, args));
  }
  api.onEvent = (listener: (event: DesktopEvent) => void) => {
    if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  };
  return Object.freeze(api) as unknown as DesktopApi;
}

function unwrap(reply: unknown): unknown {
  if (typeof reply === 'object' && reply !== null) {
    if ('error' in reply) throw toApiError((reply as { error: unknown }).error);
    if ('result' in reply) return (reply as { result: unknown }).result;
  }
  throw toApiError({ code: 'INTERNAL', message: 'The desktop app sent a malformed reply.' });
}
