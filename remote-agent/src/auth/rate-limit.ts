import { AgentError } from '../agent-error';
import { ErrorCode } from '@protocol/error-codes';

/**
 * Who may spend a password check, and when. A check is a full scrypt (~32 MiB, tens of ms on
 * the libuv pool that file I/O shares), and anyone who can open the socket may ask for one, so:
 *
 * - an attempt is reserved before the check runs and counts as a failure while in flight: a
 *   batch sent at once is limited like a sequence (the old check-then-act let 30 parallel
 *   guesses through and accepted a right password after 17 failures);
 * - at most `maxConcurrentChecks` run at once and one per origin (connection); a few more
 *   wait their turn (people logging in together), the rest are refused at once with BUSY,
 *   which costs nothing;
 * - failures are counted per (username, origin): guessing on one connection locks that
 *   connection out, not the person on another (review #16);
 * - past `maxFailuresPerUser` for a name across all origins, or `maxFailuresGlobal` across all
 *   names, a name gets one check per `slowLaneMs`: guessing slows to a trickle while the
 *   rightful owner keeps a way in. An admin can clear a name's record (`users.update unlock`).
 */
export interface LoginPolicy {
  windowMs: number;
  maxFailures: number;
  maxFailuresPerUser: number;
  maxFailuresGlobal: number;
  slowLaneMs: number;
  maxConcurrentChecks: number;
  /** Checks waiting for a free slot; past it, BUSY at once. */
  maxQueuedChecks: number;
  maxPendingPerOrigin: number;
}

export const LOGIN_POLICY: LoginPolicy = {
  windowMs: 15 * 60 * 1000,
  maxFailures: 5,
  maxFailuresPerUser: 20,
  maxFailuresGlobal: 200,
  slowLaneMs: 30_000,
  // One at a time: on a two-core VPS, two scrypts at once took both cores and doubled an
  // admin's call during a login flood (measured by test/integration/agent-hostile.test.ts).
  maxConcurrentChecks: 1,
  maxQueuedChecks: 16,
  maxPendingPerOrigin: 1,
};

/** The policy from the agent's config keys (config/schema.ts `limits`). */
export function loginPolicyFrom(limits: {
  loginWindowMs: number;
  maxFailedLoginsPerConnection: number;
  maxFailedLoginsPerUser: number;
  maxFailedLoginsTotal: number;
  loginSlowLaneMs: number;
  maxConcurrentPasswordChecks: number;
  maxQueuedPasswordChecks: number;
  maxPendingLoginsPerConnection: number;
}): LoginPolicy {
  return {
    windowMs: limits.loginWindowMs,
    maxFailures: limits.maxFailedLoginsPerConnection,
    maxFailuresPerUser: limits.maxFailedLoginsPerUser,
    maxFailuresGlobal: limits.maxFailedLoginsTotal,
    slowLaneMs: limits.loginSlowLaneMs,
    maxConcurrentChecks: limits.maxConcurrentPasswordChecks,
    maxQueuedChecks: limits.maxQueuedPasswordChecks,
    maxPendingPerOrigin: limits.maxPendingLoginsPerConnection,
  };
}

/** The outcome of a reserved attempt; exactly one of these is called. */
export interface LoginAttempt {
  succeeded(): void;
  failed(): void;
}

const MAX_TRACKED = 10_000;
const GLOBAL = '*';

export class LoginRateLimiter {
  /** Failure times per key, newest last, at most the key's limit of them. */
  private readonly failures = new Map<string, number[]>();
  private readonly inFlight = new Map<string, number>();
  /** When a name last got its slow-lane check. */
  private readonly slowLane = new Map<string, number>();
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    private readonly policy: LoginPolicy,
    private readonly now: () => number,
  ) {}

  /**
   * Reserves a check for `username` from `origin` (synchronously, before anything awaits, so a
   * batch is counted in order), then waits for a free slot; rejects with BUSY / RATE_LIMITED.
   */
  async begin(username: string, origin: string): Promise<LoginAttempt> {
    const name = username.toLowerCase();
    const keys = { origin: `o:${origin}`, pair: `p:${name}\n${origin}`, user: `u:${name}` };
    const p = this.policy;
    if (this.pending(keys.origin) >= p.maxPendingPerOrigin) {
      throw busy('A login is already being checked on this connection; wait for its answer.');
    }
    const pairWait = this.wait(keys.pair, p.maxFailures, p.windowMs);
    if (pairWait > 0) throw rateLimited(username, pairWait);
    const slow =
      this.count(keys.user) >= p.maxFailuresPerUser || this.count(GLOBAL) >= p.maxFailuresGlobal;
    // The interval runs from the name's latest check, a failure or a slow-lane grant.
    const latest = Math.max(
      this.slowLane.get(name) ?? -Infinity,
      this.recent(keys.user).at(-1) ?? -Infinity,
    );
    const sinceSlow = this.now() - latest;
    if (slow && (sinceSlow < p.slowLaneMs || this.pending(keys.user) > 0)) {
      throw rateLimited(username, Math.max(1, p.slowLaneMs - sinceSlow));
    }
    const mustWait = this.running >= p.maxConcurrentChecks;
    if (mustWait && this.queue.length >= p.maxQueuedChecks) {
      throw busy('The agent is checking other logins; try again in a moment.');
    }
    if (slow) remember(this.slowLane, name, this.now());
    const held = [keys.origin, keys.pair, keys.user, GLOBAL];
    for (const key of held) this.inFlight.set(key, this.pending(key) + 1);
    if (mustWait) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.running++;
    let done = false;
    const release = () => {
      if (done) return false;
      done = true;
      // The slot passes to the next waiting check, if any, without ever exceeding the cap.
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
      for (const key of held) {
        const left = this.pending(key) - 1;
        if (left > 0) this.inFlight.set(key, left);
        else this.inFlight.delete(key);
      }
      return true;
    };
    return {
      succeeded: () => {
        if (release()) this.failures.delete(keys.pair);
      },
      failed: () => {
        if (!release()) return;
        this.record(keys.pair, p.maxFailures);
        this.record(keys.user, p.maxFailuresPerUser);
        this.record(GLOBAL, p.maxFailuresGlobal);
      },
    };
  }

  /** Forgets a name's failures everywhere: an admin vouching for the person (review #16). */
  clear(username: string): void {
    const name = username.toLowerCase();
    this.failures.delete(`u:${name}`);
    this.slowLane.delete(name);
    for (const key of [...this.failures.keys()]) {
      if (key.startsWith(`p:${name}\n`)) this.failures.delete(key);
    }
  }

  private pending(key: string): number {
    return this.inFlight.get(key) ?? 0;
  }

  /** Failures inside the window plus checks in flight: a reserved attempt counts already. */
  private count(key: string): number {
    return this.recent(key).length + this.pending(key);
  }

  /** Milliseconds until `key` may try again, or 0. */
  private wait(key: string, limit: number, windowMs: number): number {
    const recent = this.recent(key);
    if (recent.length + this.pending(key) < limit) return 0;
    const oldest = recent[Math.max(0, recent.length - limit)];
    return oldest === undefined ? 1 : Math.max(1, oldest + windowMs - this.now());
  }

  private record(key: string, limit: number): void {
    const recent = this.recent(key);
    recent.push(this.now());
    remember(this.failures, key, recent.slice(-limit));
  }

  private recent(key: string): number[] {
    const since = this.now() - this.policy.windowMs;
    return (this.failures.get(key) ?? []).filter((t) => t > since);
  }
}

/** Map.set that moves the key to the newest end and forgets the oldest past MAX_TRACKED. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_TRACKED) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}

function busy(message: string): AgentError {
  return new AgentError(ErrorCode.BUSY, message);
}

function rateLimited(username: string, waitMs: number): AgentError {
  return new AgentError(
    ErrorCode.RATE_LIMITED,
    `Too many failed logins for "${username}"; try again in ${Math.ceil(waitMs / 1000)} s.`,
    { retryAfterMs: waitMs },
  );
}
