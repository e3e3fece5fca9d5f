import { describe, expect, it } from 'vitest';
import { backoffMs, quietUntil, rateLimitedUntil } from './policy';

const at = (iso: string) => Date.parse(iso);

describe('alert delivery policy', () => {
  it('backs off exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 10].map((n) => backoffMs(n, 5, 60))).toEqual([
      5_000, 10_000, 20_000, 40_000, 60_000,
    ]);
  });

  it('quiet hours across midnight hold until they end, in the channel time zone', () => {
    const q = { from: '22:00', to: '07:00', timeZone: 'UTC' };
    expect(quietUntil(at('2026-12-02T23:30:00Z'), q)).toBe(at('2026-12-03T07:00:00Z'));
    expect(quietUntil(at('2026-12-02T03:15:00Z'), q)).toBe(at('2026-12-02T07:00:00Z'));
    expect(quietUntil(at('2026-12-02T12:00:00Z'), q)).toBeUndefined();
    expect(quietUntil(at('2026-12-02T07:00:00Z'), q)).toBeUndefined();
    // São Paulo is UTC-3: 01:00 UTC is 22:00 there, inside; quiet ends at 10:00 UTC.
    const sp = { from: '22:00', to: '07:00', timeZone: 'America/Sao_Paulo' };
    expect(quietUntil(at('2026-12-02T01:00:00Z'), sp)).toBe(at('2026-12-02T10:00:00Z'));
    expect(quietUntil(at('2026-12-02T00:30:00Z'), sp)).toBeUndefined();
  });

  it('a same-day window works too', () => {
    const q = { from: '12:00', to: '13:00', timeZone: 'UTC' };
    expect(quietUntil(at('2026-12-02T12:10:00Z'), q)).toBe(at('2026-12-02T13:00:00Z'));
    expect(quietUntil(at('2026-12-02T13:10:00Z'), q)).toBeUndefined();
  });

  it('rate limit: the n+1-th message in an hour waits until the oldest leaves the window', () => {
    const now = at('2026-12-02T12:00:00Z');
    const sent = [now - 50 * 60_000, now - 30 * 60_000, now - 10 * 60_000];
    expect(rateLimitedUntil(now, sent, 4)).toBeUndefined();
    expect(rateLimitedUntil(now, sent, 3)).toBe(now + 10 * 60_000);
    expect(rateLimitedUntil(now, [now - 2 * 3_600_000], 1)).toBeUndefined();
  });
});
