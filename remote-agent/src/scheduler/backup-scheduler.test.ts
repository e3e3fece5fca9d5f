import { describe, expect, it } from 'vitest';
import { jitterMs, PERIOD_MS } from '../backups/schedule';
import type { StoredSchedule } from '../backups/schedule-store';
import { createBackupScheduler } from './backup-scheduler';

const DAY = PERIOD_MS.daily;
const daily: StoredSchedule = {
  frequency: 'daily',
  retention: { daily: 7 },
  drill: 'weekly',
  since: '2026-12-01T00:00:00.000Z',
};

function setup(
  schedules: Record<string, StoredSchedule>,
  running = new Set(Object.keys(schedules)),
) {
  let now = Date.parse('2026-12-01T00:00:00.000Z');
  const last = new Map<string, string>();
  const drills = new Map<string, string>();
  const done: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const scheduler = createBackupScheduler({
    schedules: () => Promise.resolve(schedules),
    isRunning: (id) => running.has(id),
    lastBackupAt: (id) => Promise.resolve(last.get(id)),
    lastDrillAt: (id) => Promise.resolve(drills.get(id)),
    backup: async (id) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      last.set(id, new Date(now).toISOString());
      done.push(`backup ${id}`);
      inFlight -= 1;
    },
    drill: async (id) => {
      drills.set(id, new Date(now).toISOString());
      done.push(`drill ${id}`);
    },
    now: () => now,
  });
  return {
    scheduler,
    done,
    maxInFlight: () => maxInFlight,
    advance: (ms: number) => (now += ms),
  };
}

describe('backup scheduler', () => {
  it('backs each project up once per day at its own offset, one at a time, and drills weekly', async () => {
    const ids = ['alpha1', 'beta22', 'gamma3'];
    const t = setup(Object.fromEntries(ids.map((id) => [id, daily])));
    await t.scheduler.tick();
    expect(t.done).toEqual([]); // nothing is due at the moment the schedule was set
    t.advance(DAY + 3_600_000 + 1);
    await t.scheduler.tick();
    expect(t.done.sort()).toEqual(ids.map((id) => `backup ${id}`).sort());
    expect(t.maxInFlight()).toBe(1);
    t.done.length = 0;
    await t.scheduler.tick();
    // a backup already happened in this slot; the first drill waits for its own offset
    expect(t.done.filter((d) => d.startsWith('backup'))).toEqual([]);
    for (let day = 0; day < 7; day++) {
      t.advance(DAY);
      await t.scheduler.tick();
    }
    const backups = t.done.filter((d) => d.startsWith('backup'));
    expect(backups).toHaveLength(7 * 3);
    const drills = t.done.filter((d) => d.startsWith('drill'));
    expect(drills.sort()).toEqual(ids.map((id) => `drill ${id}`).sort());
    expect(jitterMs('alpha1', DAY)).not.toBe(jitterMs('beta22', DAY));
  });

  it('leaves a stopped project alone', async () => {
    const t = setup({ idle01: daily }, new Set());
    t.advance(3 * DAY);
    await t.scheduler.tick();
    expect(t.done).toEqual([]);
  });
});
