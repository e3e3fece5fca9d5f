import { describe, expect, it } from 'vitest';
import { createAppStore } from '../app/store';
import { project, server, testApi } from '../app/testApi';

describe('reachableUrl', () => {
  it('gives the local end of a forward for a private project, never the server loopback', async () => {
    const api = testApi({
      openProject: async (_s, _i, target) => ({
        url:
          target === 'database'
            ? 'postgres://postgres@127.0.0.1:41234/postgres'
            : 'http://127.0.0.1:41233',
      }),
    });
    const store = createAppStore(api);
    store.getState().upsertServer(server({ state: 'connected' }));
    store.getState().upsertProject(project({ exposure: 'private' }));
    const db = await store.getState().reachableUrl('s1', 'i1', 'database');
    expect(db).toBe('postgres://postgres@127.0.0.1:41234/postgres');
    expect(db).not.toContain(':5400');
    expect(api.calls).toEqual(['openProject']);
    expect(store.getState().tunnels['s1/i1']).toEqual({ database: db });
    store.getState().forgetServerTunnels('s1');
    expect(store.getState().tunnels['s1/i1']).toBeUndefined();
  });

  it('gives the server address as is for a public project, without a forward', async () => {
    const api = testApi({});
    const store = createAppStore(api);
    store.getState().upsertServer(server({ state: 'connected' }));
    store.getState().upsertProject(
      project({
        exposure: 'public',
        urls: {
          studio: 'http://203.0.113.10:8000',
          api: 'http://203.0.113.10:8000',
          database: 'postgres://postgres@203.0.113.10:5400/postgres',
        },
      }),
    );
    expect(await store.getState().reachableUrl('s1', 'i1', 'database')).toBe(
      'postgres://postgres@203.0.113.10:5400/postgres',
    );
    expect(api.calls).toEqual([]);
  });

  it('gives the loopback address on the local server, where it is this computer', async () => {
    const api = testApi({});
    const store = createAppStore(api);
    store.getState().upsertServer(server({ kind: 'local', state: 'connected' }));
    store.getState().upsertProject(project({ exposure: 'private' }));
    expect(await store.getState().reachableUrl('s1', 'i1', 'api')).toBe('http://127.0.0.1:8000');
    expect(api.calls).toEqual([]);
  });
});
