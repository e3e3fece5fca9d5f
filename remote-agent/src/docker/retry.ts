import { DockerError } from './docker-error';

export interface RetryOptions {
  /** Total tries, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs?: number;
  /** Called before each new try (attempt ≥ 2) so progress can show it. */
  onRetry?: (attempt: number, error: DockerError, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` again after transient Docker failures with exponential backoff
 * (base, 2×base, 4×base … up to maxDelayMs). Anything not marked transient fails at once:
 * a missing image or a refused compose file will not get better by waiting.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions) {
  const wait = opts.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const retryable = err instanceof DockerError && err.transient;
      if (!retryable || attempt >= opts.attempts) throw err;
      const delay = Math.min(opts.baseDelayMs * 2 ** (attempt - 1), opts.maxDelayMs ?? 30_000);
      opts.onRetry?.(attempt + 1, err, delay);
      await wait(delay);
    }
  }
}
