import { describe, expect, it } from 'vitest';
import { DESKTOP_METHODS, type DesktopEvent } from '@contract/api';
import { createDesktopBridge, type BridgeTransport } from './bridge';
import { invokeChannel } from './channels';

function transport(reply: (channel: string, args: unknown[]) => unknown) {
  const sent: Array<{ channel: string; args: unknown[] }> = [];
  let emit: ((event: DesktopEvent) => void) | undefined;
  const t: BridgeTransport = {
    invoke: async (channel, args) => {
      sent.push({ channel, args });
      return reply(channel, args);
    },
    listen: (onEvent) => {
      emit = onEvent;
    },
  };
  return { t, sent, emit: (event: DesktopEvent) => emit?.(event) };
}

describe('createDesktopBridge', () => {
  it('has exactly the contract methods plus onEvent, and cannot be changed', () => {
    const api = createDesktopBridge(transport(() => ({ result: null })).t);
    expect(Object.keys(api).sort()).toEqual([...DESKTOP_METHODS, 'onEvent'].sort());
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('sends each call on its method channel with the arguments as a list', async () => {
    const { t, sent } = transport(() => ({ result: { stream: 'st1' } }));
    const api = createDesktopBridge(t);
    await expect(api.followLogs('s1', 'i1', { tail: 10 })).resolves.toEqual({ stream: 'st1' });
    expect(sent).toEqual([
      { channel: invokeChannel('followLogs'), args: ['s1', 'i1', { tail: 10 }] },
    ]);
  });

  it('rejects with a plain object keeping code, message and data', async () => {
    const error = { code: 'HOST_KEY_CHANGED', message: 'Key changed.', data: { expected: 'a' } };
    const api = createDesktopBridge(transport(() => ({ error })).t);
    const rejection = await api.connectServer('s1').catch((e: unknown) => e);
    expect(rejection).toEqual(error);
    expect(rejection).not.toBeInstanceOf(Error);
  });

  it('rejects a malformed reply as INTERNAL', async () => {
    const api = createDesktopBridge(transport(() => 'nonsense').t);
    await expect(api.listServers()).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('delivers events to every listener until it unsubscribes, despite a throwing one', () => {
    const { t, emit } = transport(() => ({ result: null }));
    const api = createDesktopBridge(t);
    const a: string[] = [];
    const b: string[] = [];
    const offA = api.onEvent((e) => a.push(e.type));
    api.onEvent(() => {
      throw new Error('listener bug');
    });
    api.onEvent((e) => b.push(e.type));
    const original = console.error;
    console.error = () => {};
    try {
      emit({ type: 'server.removed', serverId: 's1' });
      offA();
      emit({ type: 'stream.end', stream: 'st1' });
    } finally {
      console.error = original;
    }
    expect(a).toEqual(['server.removed']);
    expect(b).toEqual(['server.removed', 'stream.end']);
  });
});
