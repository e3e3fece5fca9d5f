import type { LogLine } from '@contract/api';

/**
 * Lines of one batch in time order (stable for equal or unreadable stamps). When several
 * services share a terminal, compose sends each service's history as a block, so the opening
 * lines came grouped by service and read as if 15:34:28 happened before 15:34:18. Batches are
 * not merged with each other: live lines arrive in order, give or take a batch.
 */
export function inTimeOrder(lines: readonly LogLine[]): LogLine[] {
  const at = lines.map((l) => Date.parse(l.time));
  return lines
    .map((line, i) => ({ line, i }))
    .sort((a, b) => {
      const x = at[a.i]!;
      const y = at[b.i]!;
      if (Number.isNaN(x) || Number.isNaN(y) || x === y) return a.i - b.i;
      return x - y;
    })
    .map((e) => e.line);
}
