import type { Instance, RecoveryProgress, RecoveryReason } from '@protocol/types';

/**
 * What bringing projects back needs from the agent, so the order and the bound are tested with
 * small fakes (./bring-up.test.ts) and the Docker side lives in ./lifecycle-steps.ts.
 */
export interface BringUpSteps {
  /** Projects meant to be up: the registry says running or degraded (stopped ones are a choice). */
  meantToBeUp(): Instance[];
  /** Every service up and healthy right now (Docker's own restart policy may have done it). */
  isUp(instance: Instance): Promise<boolean>;
  /** Starts only the database service and waits for it; false when the stack has none. */
  startDatabase(instance: Instance): Promise<boolean>;
  /** Brings the whole stack up and waits for health; throws when it does not come up. */
  startAll(instance: Instance): Promise<void>;
  /**
   * Runs `fn` under the instance's lock; resolves undefined without running it when another
   * operation holds the instance (that operation decides what the project becomes).
   */
  whileLocked<T>(instance: Instance, fn: () => Promise<T>): Promise<T | undefined>;
}

export interface BringUpOptions {
  reason: RecoveryReason;
  /** Projects started at once in each phase: 80 projects must not stampede the disk. */
  concurrency: number;
  progress(event: RecoveryProgress): void;
  now?: () => Date;
  /** Stops taking the next project (agent shutdown); the ones under way finish. */
  signal?: AbortSignal;
}

export interface BringUpResult {
  /** Projects that were down and that the agent started. */
  started: string[];
  failed: Array<{ instanceId: string; message: string }>;
  /** Already up (Docker's restart policy brought them back), busy, or stopped on purpose. */
  skipped: string[];
}

/**
 * Brings back the projects that are meant to be up and are not: every database first (a stack's
 * other services need it, and a database's recovery is the disk-heavy part), then the rest of
 * each stack, never more than `concurrency` projects at once in either phase. Each project is
 * its own unit: one that fails is reported and the others go on. Progress is reported per
 * project so a person watching sees "12 of 80 back".
 */
export async function bringUp(
  steps: BringUpSteps,
  options: BringUpOptions,
): Promise<BringUpResult> {
  const now = options.now ?? (() => new Date());
  const result: BringUpResult = { started: [], failed: [], skipped: [] };
  const down: Instance[] = [];
  for (const instance of steps.meantToBeUp()) {
    if (await steps.isUp(instance).catch(() => false)) result.skipped.push(instance.id);
    else down.push(instance);
  }
  const total = down.length;
  let done = 0;
  let databases = 0;
  // Projects not yet back (nor failed nor left to another operation): the desktop marks their
  // cards "waiting", so a person sees which ones are still to come, not only how many.
  const waiting = new Set(down.map((i) => i.id));
  const report = (
    phase: RecoveryProgress['phase'],
    extra: Partial<RecoveryProgress> = {},
  ): void => {
    options.progress({
      reason: options.reason,
      phase,
      total,
      done,
      failed: result.failed.length,
      databases,
      waiting: [...waiting],
      at: now().toISOString(),
      ...extra,
    });
  };
  report('databases');
  const failedEarly = new Set<string>();
  await eachBounded(down, options.concurrency, options.signal, async (instance) => {
    try {
      const ran = await steps.whileLocked(instance, () => steps.startDatabase(instance));
      if (ran === undefined) failedEarly.add(instance.id);
    } catch {
      // The whole-stack step tries the database again and says what failed.
    }
    databases += 1;
    report('databases', { instanceId: instance.id });
  });
  report('services');
  await eachBounded(down, options.concurrency, options.signal, async (instance) => {
    if (failedEarly.has(instance.id)) {
      waiting.delete(instance.id);
      result.skipped.push(instance.id);
      report('services', { instanceId: instance.id, outcome: 'skipped' });
      return;
    }
    try {
      const ran = await steps.whileLocked(instance, async () => {
        await steps.startAll(instance);
        return true;
      });
      waiting.delete(instance.id);
      if (ran === undefined) {
        result.skipped.push(instance.id);
        report('services', { instanceId: instance.id, outcome: 'skipped' });
        return;
      }
      result.started.push(instance.id);
      done += 1;
      report('services', { instanceId: instance.id, outcome: 'up' });
    } catch (error) {
      waiting.delete(instance.id);
      const message = error instanceof Error ? error.message : String(error);
      result.failed.push({ instanceId: instance.id, message });
      report('services', { instanceId: instance.id, outcome: 'failed', message });
    }
  });
  waiting.clear();
  report('done');
  return result;
}

/** Runs `work` over `items` with at most `limit` running at a time, in the items' order. */
export async function eachBounded<T>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal | undefined,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length && !signal?.aborted) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}
