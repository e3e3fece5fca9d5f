import { ErrorCode } from '@protocol/error-codes';
import { LifecycleError } from './lifecycle-error';

/** What a cancelled creation fails with: recorded, rolled back and audited like any failure. */
export function cancelledError(): LifecycleError {
  return new LifecycleError(ErrorCode.CANCELLED, 'The creation was cancelled.');
}

/**
 * Settles with `work`, or rejects with the signal's reason as soon as it is aborted. The work
 * itself may go on (dockerd finishes a pull it started: the image lands in its cache, harmless);
 * what matters is that the creation stops waiting for it and rolls back now.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
