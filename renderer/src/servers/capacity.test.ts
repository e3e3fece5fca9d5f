import { describe, expect, it } from 'vitest';
import { loadMeter } from './capacity';

const percent = ({ used, total }: { used: number; total: number }) =>
  Math.min(100, Math.round((used / total) * 100));

describe('loadMeter', () => {
  it('reads as full when the host is overloaded, whatever the admission limit', () => {
    expect(percent(loadMeter(7.88, 2))).toBe(100);
  });

  it('scales to the cores', () => {
    expect(percent(loadMeter(1, 4))).toBe(25);
    expect(percent(loadMeter(0, 0))).toBe(0);
  });
});
