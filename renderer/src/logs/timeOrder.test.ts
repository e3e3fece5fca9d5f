import { describe, expect, it } from 'vitest';
import { inTimeOrder } from './timeOrder';

const line = (service: string, time: string, text = '') =>
  ({ service, stream: 'stdout', time, text }) as const;

describe('inTimeOrder', () => {
  it('interleaves services by time, keeping equal stamps in arrival order', () => {
    const out = inTimeOrder([
      line('studio', '2026-03-01T15:34:28Z', 'a'),
      line('studio', '2026-03-01T15:34:30Z', 'b'),
      line('storage', '2026-03-01T15:34:18Z', 'c'),
      line('storage', '2026-03-01T15:34:28Z', 'd'),
    ]);
    expect(out.map((l) => l.text)).toEqual(['c', 'a', 'd', 'b']);
  });

  it('leaves lines without a readable stamp where they were', () => {
    const out = inTimeOrder([line('a', 'garbage', 'x'), line('b', '2026-03-01T00:00:00Z', 'y')]);
    expect(out.map((l) => l.text)).toEqual(['x', 'y']);
  });
});
