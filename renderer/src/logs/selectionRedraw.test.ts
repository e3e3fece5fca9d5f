import type { Terminal } from '@xterm/xterm';
import { describe, expect, it } from 'vitest';
import { skipEmptySelectionRedraws } from './selectionRedraw';

type Point = [number, number] | undefined;

/** The part of xterm 6's terminal the patch touches, recording what reaches the renderer. */
function fakeTerm() {
  const calls: [Point, Point][] = [];
  const service = {
    handleSelectionChanged(start: Point, end: Point) {
      calls.push([start, end]);
    },
  };
  return { calls, service, term: { _core: { _renderService: service } } as unknown as Terminal };
}

describe('skipEmptySelectionRedraws', () => {
  it('drops the redraws a scroll asks for while nothing is selected', () => {
    const { calls, service, term } = fakeTerm();
    expect(skipEmptySelectionRedraws(term)).toBe(true);
    for (let i = 0; i < 100; i++) service.handleSelectionChanged(undefined, undefined);
    expect(calls).toEqual([]);
  });

  it('still draws a selection, every change of it, and its clearing once', () => {
    const { calls, service, term } = fakeTerm();
    skipEmptySelectionRedraws(term);
    service.handleSelectionChanged([0, 1], [5, 1]);
    service.handleSelectionChanged([0, 0], [5, 1]);
    service.handleSelectionChanged(undefined, undefined);
    service.handleSelectionChanged(undefined, undefined);
    expect(calls).toEqual([
      [
        [0, 1],
        [5, 1],
      ],
      [
        [0, 0],
        [5, 1],
      ],
      [undefined, undefined],
    ]);
  });

  it('leaves a terminal without that internal alone', () => {
    expect(skipEmptySelectionRedraws({} as Terminal)).toBe(false);
    expect(skipEmptySelectionRedraws({ _core: {} } as unknown as Terminal)).toBe(false);
  });
});
