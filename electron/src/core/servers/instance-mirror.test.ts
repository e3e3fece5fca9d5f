import { describe, expect, it } from 'vitest';
import type { AgentEvent, Instance } from '@protocol/types';
import { InstanceMirror } from './instance-mirror';

/** Only the fields the mirror reads matter; the rest is whatever the agent sent. */
const inst = (id: string, status: string): Instance =>
  ({ id, name: id, status, createdAt: id }) as unknown as Instance;
const changed = (id: string, status: string): AgentEvent => ({
  type: 'instance.changed',
  instance: inst(id, status),
});
const deleted = (instanceId: string): AgentEvent => ({ type: 'instance.deleted', instanceId });
const statuses = (list: Instance[] | undefined) => list?.map((i) => `${i.id}:${i.status}`);

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('InstanceMirror', () => {
  it('has no copy until loaded, and answers from the list afterwards', async () => {
    const m = new InstanceMirror();
    expect(await m.list()).toBeUndefined();
    m.apply(changed('a', 'running')); // before any load: nothing to apply to
    m.load(Promise.resolve({ instances: [inst('a', 'stopped'), inst('b', 'running')] }));
    expect(statuses(await m.list())).toEqual(['a:stopped', 'b:running']);
  });

  it('applies events in arrival order: changes in place, new ones last, deletions', async () => {
    const m = new InstanceMirror();
    m.load(Promise.resolve({ instances: [inst('a', 'running'), inst('b', 'running')] }));
    await m.list();
    m.apply(changed('a', 'stopped'));
    m.apply(changed('c', 'creating'));
    m.apply(deleted('b'));
    m.apply(changed('c', 'running'));
    m.apply({ type: 'audit' } as unknown as AgentEvent); // other events leave it alone
    expect(statuses(await m.list())).toEqual(['a:stopped', 'c:running']);
  });

  it('applies the events that arrived while the list was on its way on top of it, in order', async () => {
    const m = new InstanceMirror();
    const answer = deferred<{ instances: Instance[] }>();
    m.load(answer.promise);
    const pending = m.list(); // a caller during the fill waits for it
    m.apply(changed('a', 'stopping'));
    m.apply(changed('a', 'stopped'));
    m.apply(changed('n', 'creating'));
    m.apply(deleted('b'));
    // The list was taken before those changes (the worst case): the events still win.
    answer.resolve({ instances: [inst('a', 'running'), inst('b', 'running')] });
    expect(statuses(await pending)).toEqual(['a:stopped', 'n:creating']);
  });

  it('ignores a list answer from before a reset (an older connection)', async () => {
    const m = new InstanceMirror();
    const old = deferred<{ instances: Instance[] }>();
    m.load(old.promise);
    m.reset();
    old.resolve({ instances: [inst('stale', 'running')] });
    expect(await m.list()).toBeUndefined();
    m.load(Promise.resolve({ instances: [inst('a', 'running')] }));
    old.resolve({ instances: [inst('stale', 'running')] });
    expect(statuses(await m.list())).toEqual(['a:running']);
  });

  it('keeps no copy when the list fails, and drops it on reset', async () => {
    const m = new InstanceMirror();
    const failing = deferred<{ instances: Instance[] }>();
    m.load(failing.promise);
    m.apply(changed('a', 'running'));
    failing.reject(new Error('NOT_CONNECTED'));
    expect(await m.list()).toBeUndefined();
    m.apply(changed('a', 'running'));
    expect(await m.list()).toBeUndefined();
    m.load(Promise.resolve({ instances: [inst('a', 'running')] }));
    expect(await m.list()).toHaveLength(1);
    m.reset();
    expect(await m.list()).toBeUndefined();
  });
});
