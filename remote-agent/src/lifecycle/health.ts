import { ErrorCode } from '@protocol/error-codes';
import type { ServiceState } from '@protocol/types';
import { untilAborted } from './cancellation';
import { LifecycleError } from './lifecycle-error';
import { isCrashLooping, isReady } from '../instances/state';
import { worstService } from './status';

export interface WaitOptions {
  /** Docker's current view of the stack's services. */
  read: () => Promise<ServiceState[]>;
  /** Resolves at the next Docker event for the project, or after `ms` at the latest. */
  waitForChange: (ms: number) => Promise<void>;
  timeoutMs: number;
  /** Each service once, as it becomes ready (healthy, or running when it has no healthcheck). */
  onReady?: (state: ServiceState) => void;
  now?: () => number;
  /** Longest sleep between two looks when no event arrives. */
  recheckMs?: number;
  /** Stops the wait at once (a cancelled creation), rejecting with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Waits until every service is running and every healthcheck says healthy. Woken by Docker
 * events (health_status, die, start), so a stack that turns healthy is noticed at once; the
 * periodic look is only a safety net for a missed event. Gives up early on a crash loop,
 * and at the deadline with UNHEALTHY (a healthcheck failing) or TIMEOUT (still starting).
 */
export async function waitUntilHealthy(opts: WaitOptions): Promise<ServiceState[]> {
  const now = opts.now ?? Date.now;
  const deadline = now() + opts.timeoutMs;
  const announced = new Set<string>();
  // Restarts counted from the start of this wait: an old crash must not condemn a fresh start.
  const baseline = new Map<string, number>();
  for (;;) {
    opts.signal?.throwIfAborted();
    const states = await opts.read();
    for (const s of states) if (!baseline.has(s.service)) baseline.set(s.service, s.restarts);
    for (const s of states) {
      if (isReady(s) && !announced.has(s.service)) {
        announced.add(s.service);
        opts.onReady?.(s);
      }
    }
    if (states.length > 0 && states.every(isReady)) return states;
    const hopeless = states.find((s) => isCrashLooping(s, baseline.get(s.service) ?? 0));
    if (hopeless) {
      throw new LifecycleError(
        ErrorCode.START_FAILED,
        `Service "${hopeless.service}" keeps failing (${describe(hopeless)}).`,
        { service: hopeless.service, services: states },
      );
    }
    const remaining = deadline - now();
    if (remaining <= 0) {
      const worst = worstService(states);
      const unhealthy = worst?.health === 'unhealthy';
      throw new LifecycleError(
        unhealthy ? ErrorCode.UNHEALTHY : ErrorCode.TIMEOUT,
        worst
          ? `Service "${worst.service}" did not become healthy within ` +
              `${Math.round(opts.timeoutMs / 1000)} s (${describe(worst)}).`
          : `The stack did not start within ${Math.round(opts.timeoutMs / 1000)} s.`,
        { service: worst?.service, services: states },
      );
    }
    await untilAborted(
      opts.waitForChange(Math.min(remaining, opts.recheckMs ?? 2_000)),
      opts.signal,
    );
  }
}

function describe(s: ServiceState): string {
  const parts = [s.state];
  if (s.health !== 'none') parts.push(`health ${s.health}`);
  if (s.exitCode !== undefined && s.state !== 'running') parts.push(`exit code ${s.exitCode}`);
  if (s.restarts > 0) parts.push(`${s.restarts} restarts`);
  if (s.oomKilled) parts.push('killed: out of memory');
  return parts.join(', ');
}
