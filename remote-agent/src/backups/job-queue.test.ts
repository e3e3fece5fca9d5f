import { describe, expect, it } from 'vitest';
import { JobQueue } from './job-queue';

describe('JobQueue', () => {
  it('runs one job at a time in order and tells each its position as the line moves', async () => {
    const moves: [string, number][] = [];
    const queue = new JobQueue<{ id: string; instanceId: string }>((job, p) =>
      moves.push([job.id, p]),
    );
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a = queue.run({ id: 'a', instanceId: 'x' }, async () => {
      order.push('a start');
      await gate;
      order.push('a end');
      return 1;
    });
    const b = queue.run({ id: 'b', instanceId: 'y' }, async () => {
      order.push('b');
      return 2;
    });
    const c = queue.run({ id: 'c', instanceId: 'z' }, () => Promise.reject(new Error('boom')));
    expect([a.position, b.position, c.position]).toEqual([0, 1, 2]);
    expect(queue.position('c')).toBe(2);
    release();
    expect(await a.done).toBe(1);
    expect(await b.done).toBe(2);
    await expect(c.done).rejects.toThrow('boom');
    expect(order).toEqual(['a start', 'a end', 'b']);
    expect(moves).toEqual([['c', 1]]);
    expect(queue.length).toBe(0);
  });
});
