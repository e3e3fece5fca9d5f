import { describe, expect, it } from 'vitest';
import type { LogLine } from '@protocol/types';
import { LogCursor } from './log-resume';

const line = (time: string, text: string): LogLine => ({
  service: 'db',
  stream: 'stdout',
  time,
  text,
});
const T = (n: number) => `2026-01-01T00:00:0${n}.000000000Z`;

describe('LogCursor', () => {
  it('passes everything through until a resume', () => {
    const c = new LogCursor();
    expect(c.accept([line(T(1), 'a'), line(T(1), 'a')])).toHaveLength(2);
  });
  it('after a resume, drops replayed history up to the last line delivered', () => {
    const c = new LogCursor();
    c.accept([line(T(1), 'a'), line(T(2), 'b'), line(T(2), 'c')]);
    c.resume();
    const replay = [
      line(T(1), 'a'),
      line(T(2), 'b'),
      line(T(2), 'c'),
      line(T(2), 'd'),
      line(T(3), 'e'),
    ];
    expect(c.accept(replay).map((l) => l.text)).toEqual(['d', 'e']);
    // once past the gap, identical lines are real lines again
    expect(c.accept([line(T(3), 'e')]).map((l) => l.text)).toEqual(['e']);
  });
});
