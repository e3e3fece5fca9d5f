import type { QuietHours } from '@protocol/alerts';

const HOUR_MS = 3_600_000;

/** Wait before the next try after `attempts` failures: base, doubling, capped. */
export function backoffMs(attempts: number, baseSeconds: number, maxSeconds: number): number {
  return Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, attempts - 1)) * 1000;
}

function minutesOfDay(now: number, timeZone: string | undefined): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
  }).formatToParts(new Date(now));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * When the channel's quiet hours end, if `now` is inside them; undefined otherwise. A window
 * may cross midnight (22:00–07:00). Times are the channel's time zone (default: the server's).
 */
export function quietUntil(now: number, quiet: QuietHours | undefined): number | undefined {
  if (!quiet) return undefined;
  const from = toMinutes(quiet.from);
  const to = toMinutes(quiet.to);
  if (from === to) return undefined;
  let m: number;
  try {
    m = minutesOfDay(now, quiet.timeZone);
  } catch {
    m = minutesOfDay(now, undefined); // an unknown zone name: the server's own
  }
  const inside = from < to ? m >= from && m < to : m >= from || m < to;
  if (!inside) return undefined;
  const left = (to - m + 1440) % 1440;
  const startOfMinute = now - (now % 60_000);
  return startOfMinute + left * 60_000;
}

/** When the channel may send again, if it already sent `maxPerHour` messages in the last hour. */
export function rateLimitedUntil(
  now: number,
  sentTimes: readonly number[],
  maxPerHour: number,
): number | undefined {
  const recent = sentTimes.filter((t) => t > now - HOUR_MS).sort((a, b) => a - b);
  if (recent.length < maxPerHour) return undefined;
  return recent[recent.length - maxPerHour]! + HOUR_MS;
}

/** Send times still inside the rate window (older ones are forgotten). */
export function recentSends(now: number, sentTimes: readonly number[]): number[] {
  return sentTimes.filter((t) => t > now - HOUR_MS);
}
