import { createHash } from 'node:crypto';
import type { RetentionPolicy } from './retention';

export type BackupFrequency = 'hourly' | 'daily' | 'weekly';

/** One project's schedule (kept in the agent's backups folder). */
export interface BackupSchedule {
  frequency: BackupFrequency;
  retention: RetentionPolicy;
  /** Restore drills; default weekly. */
  drill: 'weekly' | 'off';
}

export const DEFAULT_RETENTION: RetentionPolicy = { last: 3, daily: 7, weekly: 4, monthly: 6 };

export const PERIOD_MS: Record<BackupFrequency, number> = {
  hourly: 3_600_000,
  daily: 86_400_000,
  weekly: 7 * 86_400_000,
};

/**
 * A fixed offset per project inside its period (at most a quarter of it, and at most 1 h):
 * a hundred projects on a daily schedule do not all start at the same minute, and one project
 * starts at the same time of day every day.
 */
export function jitterMs(instanceId: string, periodMs: number): number {
  const spread = Math.min(periodMs / 4, 3_600_000);
  const n = createHash('sha256').update(instanceId).digest().readUInt32BE(0);
  return Math.floor((n / 0xffffffff) * spread);
}

/** When the next backup is due: one period after the last, at the project's own offset. */
export function nextDue(
  instanceId: string,
  frequency: BackupFrequency,
  lastStartedAt: string | undefined,
  scheduledSince: string,
): number {
  const period = PERIOD_MS[frequency];
  const offset = jitterMs(instanceId, period);
  const from = Date.parse(lastStartedAt ?? scheduledSince);
  // The slot after `from`: period boundaries (UTC) plus this project's offset.
  const slot = Math.floor((from - offset) / period) * period + offset;
  return lastStartedAt ? slot + period : Math.max(slot + period, from);
}
