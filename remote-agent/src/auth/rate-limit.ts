/**
 * Failed logins per username in a sliding window. The desktop reaches the socket only through
 * SSH, so this guards an account against someone who already has a shell, not the internet:
 * a few mistakes are free, a guessing loop waits.
 */
export interface RateLimitPolicy {
  maxFailures: number;
  windowMs: number;
}

export const LOGIN_POLICY: RateLimitPolicy = { maxFailures: 5, windowMs: 15 * 60 * 1000 };
const MAX_TRACKED = 10_000;

export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly policy: RateLimitPolicy,
    private readonly now: () => number,
  ) {}

  /** Milliseconds until the next attempt is allowed, or 0 when it is allowed now. */
  retryAfter(key: string): number {
    const recent = this.recent(key);
    if (recent.length < this.policy.maxFailures) return 0;
    const oldest = recent[recent.length - this.policy.maxFailures]!;
    return Math.max(1, oldest + this.policy.windowMs - this.now());
  }

  recordFailure(key: string): void {
    const recent = this.recent(key);
    recent.push(this.now());
    this.failures.delete(key);
    this.failures.set(key, recent);
    if (this.failures.size > MAX_TRACKED) {
      const oldestKey = this.failures.keys().next().value;
      if (oldestKey !== undefined) this.failures.delete(oldestKey);
    }
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string): number[] {
    const since = this.now() - this.policy.windowMs;
    return (this.failures.get(key) ?? []).filter((t) => t > since);
  }
}
