import { describe, expect, it } from 'vitest';
import { CreationQueue } from './queue';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('CreationQueue', () => {
  it('runs at most `concurrency` at once and tells the waiting their position as it changes', async () => {
    const gates = new Map<string, ReturnType<typeof deferred>>();
    const started: string[] = [];
    const positions: [string, number][] = [];
    const q = new CreationQueue(
      1,
      (id) => {
        started.push(id);
        const g = deferred();
        gates.set(id, g);
        return g.promise;
      },
      (id, p) => positions.push([id, p]),
    );
    expect(q.enqueue('a')).toBe(0);
    expect(q.enqueue('b')).toBe(1);
    expect(q.enqueue('c')).toBe(2);
    expect(q.enqueue('b')).toBe(1); // asking again does not queue twice
    expect(started).toEqual(['a']);
    expect(positions).toEqual([
      ['b', 1],
      ['c', 2],
    ]);
    gates.get('a')!.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual(['a', 'b']);
    expect(positions.at(-1)).toEqual(['c', 1]);
    expect(q.withdraw('c')).toBe(true);
    gates.get('b')!.resolve();
    await q.idle();
    expect(started).toEqual(['a', 'b']);
  });

  it('keeps going when a creation throws', async () => {
    const started: string[] = [];
    const q = new CreationQueue(
      2,
      async (id) => {
        started.push(id);
        throw new Error('boom');
      },
      () => {},
    );
    for (const id of ['a', 'b', 'c']) q.enqueue(id);
    await q.idle();
    expect(started).toEqual(['a', 'b', 'c']);
  });
});
