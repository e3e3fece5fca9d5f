import { describe, expect, it } from 'vitest';
import { createAppStore } from '../app/store';
import { apiError, project, testApi } from '../app/testApi';

describe('create slice', () => {
  it('keeps an INVALID_NAME refusal for the field to show', async () => {
    const api = testApi({
      createProject: async () => {
        throw apiError('INVALID_NAME', 'The name is taken on this server.');
      },
    });
    const store = createAppStore(api);
    expect(await store.getState().createProject('s1', 'alpha', 'private')).toBe(false);
    expect(store.getState().createError).toEqual({
      code: 'INVALID_NAME',
      message: 'The name is taken on this server.',
    });
    expect(store.getState().activeCreation).toBeNull();
  });

  it('replays progress the agent kept and toasts when the project runs', async () => {
    const at = '2026-01-01T00:00:00Z';
    const api = testApi({
      createProject: async () => ({ project: project({ status: 'queued' }), queuePosition: 0 }),
      projectProgress: async () => ({
        events: [{ instanceId: 'i1', seq: 1, at, step: 'queued', status: 'started' }],
        finished: false,
      }),
    });
    const store = createAppStore(api);
    expect(await store.getState().createProject('s1', 'alpha', 'private')).toBe(true);
    expect(store.getState().activeCreation).toEqual({
      serverId: 's1',
      instanceId: 'i1',
      queuePosition: 0,
    });
    // A live event that duplicates the replay is ignored; the final one toasts.
    store.getState().applyEvent({
      type: 'project.progress',
      serverId: 's1',
      event: { instanceId: 'i1', seq: 1, at, step: 'queued', status: 'started' },
    });
    store.getState().applyEvent({
      type: 'project.progress',
      serverId: 's1',
      event: { instanceId: 'i1', seq: 2, at, step: 'done', status: 'done' },
    });
    expect(store.getState().progress['s1/i1']?.map((e) => e.seq)).toEqual([1, 2]);
    expect(store.getState().toasts.at(-1)).toMatchObject({
      kind: 'success',
      title: 'alpha is running',
    });
  });
});
