import { describe, expect, it } from 'vitest';
import { createAppStore } from '../app/store';
import { apiError, project, testApi } from '../app/testApi';
import { visibleProjects } from './projectsSlice';

describe('visibleProjects', () => {
  const all = Object.fromEntries(
    [
      project({ id: 'a', name: 'zeta', serverId: 's1', serverName: 'b-server' }),
      project({ id: 'b', name: 'Alpha', serverId: 's2', serverName: 'a-server' }),
      project({ id: 'c', name: 'alps', serverId: 's1', serverName: 'b-server' }),
    ].map((p) => [`${p.serverId}/${p.id}`, p]),
  );

  it('sorts by server then name', () => {
    expect(visibleProjects(all, { serverId: 'all', query: '' }).map((p) => p.id)).toEqual([
      'b',
      'c',
      'a',
    ]);
  });

  it('filters by server and by a case-insensitive name search', () => {
    expect(visibleProjects(all, { serverId: 's1', query: '' }).map((p) => p.id)).toEqual([
      'c',
      'a',
    ]);
    expect(visibleProjects(all, { serverId: 'all', query: ' AL ' }).map((p) => p.id)).toEqual([
      'b',
      'c',
    ]);
  });
});

describe('project actions', () => {
  it('updates the card from the result and toasts when done', async () => {
    const api = testApi({ stopProject: async () => project({ status: 'stopped' }) });
    const store = createAppStore(api);
    store.getState().upsertProject(project());
    const run = store.getState().runProjectAction('s1', 'i1', 'stop');
    expect(store.getState().pendingActions['s1/i1']).toBe('stop');
    expect(await run).toBe(true);
    expect(store.getState().projects['s1/i1']?.status).toBe('stopped');
    expect(store.getState().pendingActions).toEqual({});
    expect(store.getState().toasts.at(-1)).toMatchObject({
      kind: 'success',
      title: 'alpha stopped',
    });
  });

  it('keeps the card and says why when the agent refuses', async () => {
    const api = testApi({
      deleteProject: async () => {
        throw apiError('BUSY', 'Another operation is running on alpha.');
      },
    });
    const store = createAppStore(api);
    store.getState().upsertProject(project());
    expect(await store.getState().runProjectAction('s1', 'i1', 'delete')).toBe(false);
    expect(store.getState().projects['s1/i1']).toBeDefined();
    expect(store.getState().toasts.at(-1)).toMatchObject({
      kind: 'error',
      body: 'Another operation is running on alpha.',
    });
  });

  it('leaves the project page when its project is deleted elsewhere', () => {
    const store = createAppStore(testApi({}));
    store.getState().upsertProject(project());
    store.getState().navigate({ kind: 'project', serverId: 's1', instanceId: 'i1' });
    store.getState().applyEvent({ type: 'project.deleted', serverId: 's1', instanceId: 'i1' });
    expect(store.getState().view).toEqual({ kind: 'projects' });
  });
});
