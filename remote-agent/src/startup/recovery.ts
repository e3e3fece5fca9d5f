import type { RecoveryProgress, RecoveryReason } from '@protocol/types';
import { bringUp, type BringUpResult, type BringUpSteps } from './bring-up';

export interface RecoveryOptions {
  steps: BringUpSteps;
  /** Whether the engine's event stream is open now (docker/host.ts `engineLink`). */
  engineConnected(): boolean;
  /**
   * How long Docker's own restart policies get before the agent starts what is still down.
   * Everything is `restart: unless-stopped`, so after a dockerd restart or a boot Docker brings
   * containers back by itself; starting them at the same moment would only race it.
   */
  settleMs: number;
  /** Projects brought back at once by the agent (each phase). */
  concurrency: number;
  emit(event: RecoveryProgress): void;
  onResult?(reason: RecoveryReason, result: BringUpResult): void;
  onError?(error: unknown): void;
  /** Seams for tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => Date;
}

export interface Recovery {
  /** Starts a recovery pass (at agent start, and each time the engine comes back). */
  trigger(reason: RecoveryReason): void;
  /**
   * True while the engine is away, while Docker's restart policies are still bringing
   * containers back, and while the agent brings back the rest: automatic repairs wait, so they
   * never fight Docker's own restarts (a repair recreating a container Docker is starting).
   */
  holdsRepairs(): boolean;
  /**
   * The pass under way as its last progress event; undefined when none runs. A desktop that
   * connects in the middle of a pass is sent this first, so it shows "12 of 80" at once.
   */
  current(): RecoveryProgress | undefined;
  /** Resolves when no pass runs or is due (tests, shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * After a reboot or a dockerd restart: wait while Docker restarts what it restarts itself,
 * then bring back what is still down in a bounded order (./bring-up.ts). One pass at a time;
 * an engine restart during a pass asks for one more pass after it.
 */
export function createRecovery(options: RecoveryOptions): Recovery {
  const controller = new AbortController();
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? abortableSleep;
  let pass: Promise<void> | undefined;
  let again: RecoveryReason | undefined;

  let holding = false;
  let latest: RecoveryProgress | undefined;
  const emit = (event: RecoveryProgress): void => {
    latest = event.phase === 'done' ? undefined : event;
    options.emit(event);
  };

  async function anyDown(): Promise<boolean> {
    for (const instance of options.steps.meantToBeUp()) {
      if (!(await options.steps.isUp(instance).catch(() => false))) return true;
    }
    return false;
  }

  async function run(reason: RecoveryReason): Promise<void> {
    // The engine is away: its reconnect triggers the next pass.
    if (!options.engineConnected()) return;
    // A quick look first: an agent restart with every project up holds nothing, says nothing.
    if (!(await anyDown())) return;
    holding = true;
    try {
      emit({
        reason,
        phase: 'settling',
        total: 0,
        done: 0,
        failed: 0,
        at: now().toISOString(),
      });
      await sleep(options.settleMs, controller.signal);
      if (controller.signal.aborted || !options.engineConnected()) return;
      const result = await bringUp(options.steps, {
        reason,
        concurrency: options.concurrency,
        progress: emit,
        now,
        signal: controller.signal,
      });
      options.onResult?.(reason, result);
    } finally {
      holding = false;
      // A pass cut short (the engine went away while settling, the agent stopping) still ends
      // with `done`, so no desktop keeps showing a banner for a pass that no longer runs.
      if (latest) emit({ ...latest, phase: 'done', waiting: [], at: now().toISOString() });
    }
  }

  function start(reason: RecoveryReason): void {
    pass = run(reason)
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        pass = undefined;
        const next = again;
        again = undefined;
        if (next && !controller.signal.aborted) start(next);
      });
  }

  return {
    trigger(reason) {
      if (controller.signal.aborted) return;
      if (pass) again = reason;
      else start(reason);
    },
    holdsRepairs: () => holding || !options.engineConnected(),
    current: () => latest,
    async idle() {
      while (pass) await pass;
    },
    async close() {
      controller.abort();
      again = undefined;
      await this.idle();
    },
  };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref?.();
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
