import { describe, expect, it } from 'vitest';
import type { ServerCapacity } from '@contract/api';
import { bestFit } from './capacity-hints';

const cap = (fits: ServerCapacity['fits'], memoryFreeMb: number) =>
  ({ fits, memoryFreeMb }) as ServerCapacity;

describe('bestFit', () => {
  it('picks the most room for the size, then the most free memory, or none', () => {
    const all = {
      a: cap({ small: 9, medium: 4, large: 0 }, 13_000),
      b: cap({ small: 9, medium: 3, large: 1 }, 14_000),
    };
    expect(bestFit(all, 'medium')).toEqual({ serverId: 'a', fits: 4 });
    expect(bestFit(all, 'small')).toEqual({ serverId: 'b', fits: 9 });
    expect(bestFit({ a: cap({ small: 0, medium: 0, large: 0 }, 100) }, 'small')).toBeUndefined();
  });
});
