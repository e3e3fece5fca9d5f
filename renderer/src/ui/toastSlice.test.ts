import { describe, expect, it } from 'vitest';
import { createAppStore } from '../app/store';
import { testApi } from '../app/testApi';

describe('toasts', () => {
  it('shows one toast for the same event reported twice (manual repair + its pushed event)', () => {
    const store = createAppStore(testApi({}));
    const toast = { kind: 'success', title: 'Repair of alpha: 1 action done' } as const;
    const first = store.getState().toast(toast);
    const second = store.getState().toast(toast);
    expect(second).toBe(first);
    expect(store.getState().toasts).toHaveLength(1);
    store.getState().toast({ ...toast, body: 'other' });
    expect(store.getState().toasts).toHaveLength(2);
  });
});
