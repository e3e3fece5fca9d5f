import { describe, expect, it } from 'vitest';
import { backupsToKeep } from './retention';
import { jitterMs, nextDue, PERIOD_MS } from './schedule';

const at = (iso: string, id = iso) => ({ id, startedAt: iso });

describe('backupsToKeep', () => {
  const hourly = Array.from({ length: 24 * 40 }, (_, h) =>
    at(new Date(Date.UTC(2026, 10, 1) + h * 3_600_000).toISOString()),
  );

  it('keeps the newest of each of the last N days, weeks and months, and the last N', () => {
    const keep = backupsToKeep(hourly, { last: 2, daily: 3 });
    const newest = hourly.at(-1)!.startedAt;
    expect([...keep].sort()).toEqual(
      [hourly.at(-2)!.id, newest, '2026-12-09T23:00:00.000Z', '2026-12-08T23:00:00.000Z'].sort(),
    );
    const monthly = backupsToKeep(hourly, { monthly: 5 });
    expect([...monthly].sort()).toEqual(['2026-11-30T23:00:00.000Z', newest].sort());
  });

  it('keeps nothing without a rule, everything it is asked to', () => {
    expect(backupsToKeep(hourly, {}).size).toBe(0);
    expect(backupsToKeep(hourly.slice(0, 5), { last: 10 }).size).toBe(5);
  });
});

describe('schedule', () => {
  it('spreads projects over the first hour of a daily period, the same offset every day', () => {
    const offsets = Array.from({ length: 100 }, (_, i) => jitterMs(`proj${i}`, PERIOD_MS.daily));
    expect(Math.max(...offsets)).toBeLessThanOrEqual(3_600_000);
    expect(new Set(offsets.map((o) => Math.floor(o / 60_000))).size).toBeGreaterThan(40);
    expect(jitterMs('proj1', PERIOD_MS.daily)).toBe(jitterMs('proj1', PERIOD_MS.daily));
  });

  it('is due one period after the last backup, at the project offset', () => {
    const offset = jitterMs('abc', PERIOD_MS.daily);
    const last = new Date(Date.UTC(2026, 11, 1) + offset + 5_000).toISOString();
    expect(nextDue('abc', 'daily', last, '2026-01-01T00:00:00Z')).toBe(
      Date.UTC(2026, 11, 2) + offset,
    );
    // first run: the next slot after the schedule was set, never in the past
    const since = '2026-12-01T12:00:00.000Z';
    const first = nextDue('abc', 'daily', undefined, since);
    expect(first).toBeGreaterThanOrEqual(Date.parse(since));
    expect(first - Date.parse(since)).toBeLessThanOrEqual(PERIOD_MS.daily);
  });
});
