import { AgentError, asCodedError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';

export interface BusyRetryOptions {
  /** How long to wait for the other operation (a backup, an upgrade…) to finish. */
  waitMs: number;
  /** Between two attempts. */
  pollMs: number;
  sleep(ms: number): Promise<void>;
  now(): number;
  /** Told once, when the first attempt finds the project busy. */
  onWait?(operation: string | undefined): void;
}

export const DEFAULT_BUSY_WAIT_MS = 4 * 60_000;
export const DEFAULT_BUSY_POLL_MS = 2_000;

/**
 * A domain change waits its turn: when another operation holds the project (BUSY), the URL
 * switch is tried again until it is free, instead of failing half-way through an add. When the
 * wait runs out, BUSY says what kept the project busy and that nothing was changed (the caller
 * rolls the domain set and the proxy back).
 */
export async function retryWhileBusy<T>(
  task: () => Promise<T>,
  options: BusyRetryOptions,
): Promise<T> {
  const started = options.now();
  let told = false;
  for (;;) {
    try {
      return await task();
    } catch (error) {
      const coded = asCodedError(error);
      if (coded?.code !== ErrorCode.BUSY) throw error;
      const operation = operationOf(coded.data);
      if (!told) {
        told = true;
        options.onWait?.(operation);
      }
      const waited = options.now() - started;
      if (waited + options.pollMs > options.waitMs) {
        throw new AgentError(
          ErrorCode.BUSY,
          `Another operation${operation ? ` (${operation})` : ''} kept this project busy for ${Math.round(waited / 1000)} s; the domain change was not made and nothing changed. Try again when it has finished.`,
          { ...(operation ? { operation } : {}), waitedMs: waited },
        );
      }
      await options.sleep(options.pollMs);
    }
  }
}

function operationOf(d: Record<string, unknown>): string | undefined {
  if (typeof d.operation === 'string') return d.operation;
  return typeof d.status === 'string' ? d.status : undefined;
}
