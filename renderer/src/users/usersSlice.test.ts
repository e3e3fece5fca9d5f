import type { UserPublic } from '@contract/api';
import { describe, expect, it } from 'vitest';
import { createAppStore } from '../app/store';
import { apiError, testApi } from '../app/testApi';

const bob: UserPublic = {
  username: 'bob',
  role: 'user',
  disabled: false,
  grants: [],
  createdAt: 'x',
};

describe('users slice: grants', () => {
  it('shows a grant at once and keeps the agent’s answer', async () => {
    let resolve: (v: UserPublic) => void = () => undefined;
    const api = testApi({
      listUsers: async () => [bob],
      grantProject: () => new Promise((r) => (resolve = r)),
    });
    const store = createAppStore(api);
    await store.getState().loadUsers('s1');
    const pending = store.getState().setGrant('s1', 'bob', 'i1', true);
    expect(store.getState().users.s1?.[0]?.grants).toEqual(['i1']);
    resolve({ ...bob, grants: ['i1'] });
    await pending;
    expect(store.getState().users.s1?.[0]?.grants).toEqual(['i1']);
  });

  it('reverts the grant and says why when the agent refuses', async () => {
    const api = testApi({
      listUsers: async () => [bob],
      grantProject: async () => {
        throw apiError('FORBIDDEN', 'Only admins may grant projects.');
      },
    });
    const store = createAppStore(api);
    await store.getState().loadUsers('s1');
    await expect(store.getState().setGrant('s1', 'bob', 'i1', true)).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(store.getState().users.s1?.[0]?.grants).toEqual([]);
    expect(store.getState().toasts.at(-1)).toMatchObject({
      kind: 'error',
      body: 'Only admins may grant projects.',
    });
  });
});
