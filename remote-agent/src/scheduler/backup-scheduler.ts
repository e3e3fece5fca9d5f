import type { BackupFrequency } from '../backups/schedule';
import { jitterMs, nextDue, PERIOD_MS } from '../backups/schedule';
import type { StoredSchedule } from '../backups/schedule-store';

export interface BackupSchedulerDeps {
  schedules(): Promise<Record<string, StoredSchedule>>;
  /** Only projects meant to be up are backed up on schedule (a stopped one has no live db). */
  isRunning(instanceId: string): boolean;
  /** The newest scheduled or manual backup's start, and the newest drill. */
  lastBackupAt(instanceId: string): Promise<string | undefined>;
  lastDrillAt(instanceId: string): Promise<string | undefined>;
  /** Backs up, then applies the retention policy. Resolves when both are done. */
  backup(instanceId: string, schedule: StoredSchedule): Promise<void>;
  /** A restore drill of the newest backup. */
  drill(instanceId: string): Promise<void>;
  now(): number;
  intervalMs?: number;
  onError?(error: unknown, instanceId: string, what: 'backup' | 'drill'): void;
}

export interface BackupScheduler {
  start(): void;
  /** One pass over every schedule; due work runs one project at a time. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

const DRILL_PERIOD: BackupFrequency = 'weekly';

/**
 * Runs scheduled backups and weekly restore drills. Each project is due at its own jittered
 * offset (backups/schedule.ts), so a hundred daily schedules spread over an hour; due work runs
 * one after another here, and the backup queue keeps it to one job per server anyway.
 */
export function createBackupScheduler(deps: BackupSchedulerDeps): BackupScheduler {
  const interval = deps.intervalMs ?? 60_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;

  async function pass(): Promise<void> {
    const now = deps.now();
    for (const [id, schedule] of Object.entries(await deps.schedules())) {
      if (!deps.isRunning(id)) continue;
      const last = await deps.lastBackupAt(id);
      if (now >= nextDue(id, schedule.frequency, last, schedule.since)) {
        await deps
          .backup(id, schedule)
          .catch((error: unknown) => deps.onError?.(error, id, 'backup'));
      }
      if (schedule.drill === 'weekly' && last) {
        const lastDrill = await deps.lastDrillAt(id);
        const due = lastDrill
          ? Date.parse(lastDrill) + PERIOD_MS[DRILL_PERIOD]
          : Date.parse(last) + jitterMs(id, PERIOD_MS.daily);
        if (now >= due) {
          await deps.drill(id).catch((error: unknown) => deps.onError?.(error, id, 'drill'));
        }
      }
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = pass().finally(() => {
        running = undefined;
        schedule();
      });
    }, interval);
    timer.unref?.();
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async tick() {
      const wasStopped = stopped;
      stopped = false;
      try {
        await pass();
      } finally {
        stopped = wasStopped;
      }
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
