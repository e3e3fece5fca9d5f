import type { UsageSample } from '@contract/api';

/** The metrics the Usage tab draws, each a line of its own. */
export const CHARTED = ['cpuPercent', 'memoryMb', 'netRxKb', 'netTxKb', 'diskMb'] as const;
export type Charted = (typeof CHARTED)[number];

export interface UsageSeries {
  /** Seconds since the epoch (uPlot's x scale), with a `null` point where sampling stopped. */
  x: number[];
  values: Record<Charted, (number | null)[]>;
  /** Each metric's highest sample and when it was taken: "who ate the CPU last night". */
  peaks: Record<Charted, { value: number; at: number } | undefined>;
  latest: Record<Charted, number | undefined>;
}

/**
 * uPlot's columns from the agent's samples. A hole longer than two intervals (the project was
 * stopped, or the agent restarted) becomes a null point, so the line breaks instead of
 * drawing a slope across time nobody measured.
 */
export function usageSeries(samples: readonly UsageSample[], intervalMs: number): UsageSeries {
  const x: number[] = [];
  const values = Object.fromEntries(
    CHARTED.map((m) => [m, []]),
  ) as unknown as UsageSeries['values'];
  const peaks = {} as UsageSeries['peaks'];
  let previous: number | undefined;
  for (const s of samples) {
    if (previous !== undefined && s.at - previous > 2 * intervalMs) {
      x.push((previous + intervalMs) / 1000);
      for (const m of CHARTED) values[m].push(null);
    }
    x.push(s.at / 1000);
    for (const m of CHARTED) {
      values[m].push(s[m]);
      const peak = peaks[m];
      if (!peak || s[m] > peak.value) peaks[m] = { value: s[m], at: s.at };
    }
    previous = s.at;
  }
  const last = samples[samples.length - 1];
  const latest = Object.fromEntries(CHARTED.map((m) => [m, last?.[m]])) as UsageSeries['latest'];
  return { x, values, peaks, latest };
}
