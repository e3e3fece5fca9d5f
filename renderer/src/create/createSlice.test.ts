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

  it('cancels a creation: the project ends failed with CANCELLED, toasted as info, not as an error', async () => {
    const at = '2026-01-01T00:00:00Z';
    let release!: () => void;
    const calls: string[] = [];
    const api = testApi({
      createProject: async () => ({ project: project({ status: 'creating' }), queuePosition: 0 }),
      projectProgress: async () => ({ events: [], finished: false }),
      cancelCreation: async (serverId, instanceId) => {
        calls.push(`${serverId}/${instanceId}`);
        await new Promise<void>((r) => (release = r));
        return project({
          status: 'failed',
          error: { code: 'CANCELLED', reason: 'The creation was cancelled.', at },
        });
      },
    });
    const store = createAppStore(api);
    await store.getState().createProject('s1', 'alpha', 'private');
    const cancelling = store.getState().cancelCreation('s1', 'i1');
    expect(store.getState().cancellingCreations).toEqual({ 's1/i1': true });
    // A second click while the rollback runs does not send a second cancel.
    await store.getState().cancelCreation('s1', 'i1');
    store.getState().applyEvent({
      type: 'project.progress',
      serverId: 's1',
      event: {
        instanceId: 'i1',
        seq: 1,
        at,
        step: 'health',
        status: 'failed',
        error: { code: 'CANCELLED', message: 'The creation was cancelled.' },
      },
    });
    release();
    await cancelling;
    expect(calls).toEqual(['s1/i1']);
    expect(store.getState().cancellingCreations).toEqual({});
    expect(store.getState().projects['s1/i1']).toMatchObject({
      status: 'failed',
      error: { code: 'CANCELLED' },
    });
    expect(store.getState().toasts.map((t) => t.kind)).toEqual(['info']);
    expect(store.getState().toasts[0]).toMatchObject({ title: 'Creation of alpha cancelled' });
  });

  it('says so when the creation could not be cancelled (it had finished)', async () => {
    const api = testApi({
      cancelCreation: async () => {
        throw apiError('INVALID_STATE', 'This instance is running, not being created.');
      },
    });
    const store = createAppStore(api);
    await store.getState().cancelCreation('s1', 'i1');
    expect(store.getState().toasts.at(-1)).toMatchObject({
      kind: 'error',
      title: 'Could not cancel the creation',
      body: 'This instance is running, not being created.',
    });
    expect(store.getState().cancellingCreations).toEqual({});
  });
});
