import { describe, expect, it } from 'vitest';
import { createAppStore } from '../app/store';
import { apiError, server, testApi } from '../app/testApi';

const info = {
  host: '203.0.113.10',
  port: 22,
  algorithm: 'ssh-ed25519',
  fingerprint: 'SHA256:abc',
};

describe('servers slice: connecting and host keys', () => {
  it('asks the person to trust an unknown key, then pins it and connects', async () => {
    let trusted = false;
    const api = testApi({
      connectServer: async () => {
        if (!trusted) throw apiError('HOST_KEY_UNKNOWN', 'Unknown host key', { ...info });
        return server({ state: 'connected' });
      },
      trustHostKey: async (_id, fp) => {
        trusted = fp === info.fingerprint;
        return server({ state: 'disconnected' });
      },
      listServers: async () => [server()],
      listProjects: async () => [],
    });
    const store = createAppStore(api);
    store.getState().upsertServer(server());
    expect(await store.getState().connectServer('s1')).toBeNull();
    expect(store.getState().hostKeyPrompt).toEqual({ serverId: 's1', info });
    await store.getState().trustHostKey('s1', info.fingerprint);
    expect(store.getState().hostKeyPrompt).toBeNull();
    expect(store.getState().servers[0]?.state).toBe('connected');
    expect(api.calls).toEqual([
      'connectServer',
      'listServers',
      'trustHostKey',
      'connectServer',
      'listProjects',
    ]);
  });

  it('turns a changed key into a blocking alert with both fingerprints, never a trust', async () => {
    const api = testApi({
      connectServer: async () => {
        throw apiError('HOST_KEY_CHANGED', 'changed', {
          expected: 'SHA256:old',
          actual: { fingerprint: 'SHA256:new' },
        });
      },
      listServers: async () => [server({ state: 'error' })],
    });
    const store = createAppStore(api);
    await store.getState().connectServer('s1');
    expect(store.getState().hostKeyAlert).toEqual({
      serverId: 's1',
      expected: 'SHA256:old',
      actual: 'SHA256:new',
    });
    expect(api.calls).not.toContain('trustHostKey');
  });

  it('reports any other failure as a toast with the core’s sentence', async () => {
    const api = testApi({
      connectServer: async () => {
        throw apiError('SSH_AUTH_FAILED', 'The server refused the key.');
      },
      listServers: async () => [server({ state: 'error' })],
    });
    const store = createAppStore(api);
    store.getState().upsertServer(server());
    await store.getState().connectServer('s1');
    expect(store.getState().toasts).toEqual([
      expect.objectContaining({
        kind: 'error',
        title: 'Could not connect to vps-1',
        body: 'The server refused the key.',
      }),
    ]);
    expect(store.getState().hostKeyPrompt).toBeNull();
  });

  it('applies pushed state changes and removals', () => {
    const api = testApi({});
    const store = createAppStore(api);
    store
      .getState()
      .applyEvent({ type: 'server.state', server: server({ state: 'reconnecting' }) });
    expect(store.getState().servers.map((s) => s.state)).toEqual(['reconnecting']);
    store.getState().applyEvent({ type: 'server.removed', serverId: 's1' });
    expect(store.getState().servers).toEqual([]);
  });
});

describe('reviewHostKey', () => {
  it('reopens the changed-key warning from the server banner, with both fingerprints', () => {
    const store = createAppStore(testApi({}));
    store.getState().upsertServer(
      server({
        state: 'error',
        error: {
          code: 'HOST_KEY_CHANGED',
          message: 'The key changed; remove the server and add it again.',
          data: { expected: 'SHA256:old', actual: 'SHA256:new' },
        },
      }),
    );
    expect(store.getState().reviewHostKey('s1')).toBe(true);
    expect(store.getState().hostKeyAlert).toEqual({
      serverId: 's1',
      expected: 'SHA256:old',
      actual: 'SHA256:new',
    });
  });

  it('does nothing for an error that is not about the key', () => {
    const store = createAppStore(testApi({}));
    store
      .getState()
      .upsertServer(
        server({ state: 'error', error: { code: 'CONNECTION_REFUSED', message: 'refused' } }),
      );
    expect(store.getState().reviewHostKey('s1')).toBe(false);
    expect(store.getState().hostKeyAlert).toBeNull();
  });
});
