// Loads the built preload (dist/electron/preload.cjs) the way a sandboxed Electron renderer
// does: a fresh context whose `require` knows only 'electron'. The Electron binary cannot be
// downloaded here, so 'electron' is a tiny recording fake of the two objects the preload
// touches (contextBridge, ipcRenderer); everything else is the real bundle.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP_METHODS, type DesktopApi, type DesktopEvent } from '@contract/api';

const bundle = join(import.meta.dirname, '..', '..', 'dist', 'electron', 'preload.cjs');

interface Loaded {
  exposed: Map<string, unknown>;
  invoked: Array<{ channel: string; args: unknown[] }>;
  listeners: Map<string, (event: unknown, payload: unknown) => void>;
  required: string[];
}

function loadPreload(reply: (channel: string, args: unknown[]) => unknown): Loaded {
  const loaded: Loaded = { exposed: new Map(), invoked: [], listeners: new Map(), required: [] };
  const electron = {
    contextBridge: {
      exposeInMainWorld(key: string, value: unknown) {
        loaded.exposed.set(key, value);
      },
    },
    ipcRenderer: {
      invoke: async (channel: string, ...rest: unknown[]) => {
        const args = rest[0] as unknown[];
        loaded.invoked.push({ channel, args });
        return reply(channel, args);
      },
      on(channel: string, listener: (event: unknown, payload: unknown) => void) {
        loaded.listeners.set(channel, listener);
      },
    },
  };
  const module = { exports: {} };
  const sandboxRequire = (name: string) => {
    loaded.required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require ${name}`);
  };
  runInNewContext(`(function (require, module, exports) {${readFileSync(bundle, 'utf8')}\n})`, {
    console,
  })(sandboxRequire, module, module.exports);
  return loaded;
}

describe('built preload', () => {
  let loaded: Loaded;
  let api: DesktopApi;
  beforeAll(() => {
    loaded = loadPreload((channel, args) =>
      channel.endsWith(':connectServer')
        ? { error: { code: 'HOST_KEY_UNKNOWN', message: 'Confirm.', data: { fp: 'SHA256:x' } } }
        : { result: { channel, args } },
    );
    api = loaded.exposed.get('ultrabase') as DesktopApi;
  });

  it('needs nothing but electron (it runs sandboxed)', () => {
    expect(loaded.required).toEqual(['electron']);
  });

  it('exposes one object, window.ultrabase, and nothing else', () => {
    expect([...loaded.exposed.keys()]).toEqual(['ultrabase']);
  });

  it('exposes exactly the contract methods and onEvent, all functions, never ipcRenderer', () => {
    expect(Object.keys(api).sort()).toEqual([...DESKTOP_METHODS, 'onEvent'].sort());
    for (const [name, value] of Object.entries(api)) {
      expect(typeof value, name).toBe('function');
      expect(value).not.toHaveProperty('invoke');
    }
  });

  it('sends a call on its method channel and resolves with the result', async () => {
    await expect(api.listProjects('s1')).resolves.toEqual({
      channel: 'ultrabase:call:listProjects',
      args: ['s1'],
    });
  });

  it('rejects with the code, message and data main sent', async () => {
    await expect(api.connectServer('s1')).rejects.toEqual({
      code: 'HOST_KEY_UNKNOWN',
      message: 'Confirm.',
      data: { fp: 'SHA256:x' },
    });
  });

  it('delivers pushed events to subscribers until they unsubscribe', () => {
    const seen: DesktopEvent[] = [];
    const off = api.onEvent((event) => seen.push(event));
    const push = loaded.listeners.get('ultrabase:event');
    expect([...loaded.listeners.keys()]).toEqual(['ultrabase:event']);
    push?.({}, { type: 'stream.end', stream: 'st1' });
    off();
    push?.({}, { type: 'stream.end', stream: 'st2' });
    expect(seen).toEqual([{ type: 'stream.end', stream: 'st1' }]);
  });
});
