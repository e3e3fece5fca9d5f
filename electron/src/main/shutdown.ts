export type ShutdownOutcome = 'closed' | 'timed-out' | 'failed';

/**
 * Quitting waits for the core to close SSH connections and release port forwards, but not
 * forever: a server that stopped answering must not keep the app from quitting. The returned
 * function is idempotent: 'before-quit', 'window-all-closed' and a signal may all ask at once,
 * and the core is closed exactly once.
 */
export function createShutdown(
  close: () => Promise<void>,
  timeoutMs: number,
  timers: {
    setTimeout: (fn: () => void, ms: number) => unknown;
    clearTimeout: (handle: unknown) => void;
  } = {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  },
): () => Promise<ShutdownOutcome> {
  let running: Promise<ShutdownOutcome> | undefined;
  return () => {
    running ??= new Promise<ShutdownOutcome>((resolve) => {
      const timer = timers.setTimeout(() => resolve('timed-out'), timeoutMs);
      let closing: Promise<void>;
      try {
        closing = close();
      } catch (error) {
        closing = Promise.reject(error);
      }
      closing.then(
        () => {
          timers.clearTimeout(timer);
          resolve('closed');
        },
        () => {
          timers.clearTimeout(timer);
          resolve('failed');
        },
      );
    });
    return running;
  };
}
