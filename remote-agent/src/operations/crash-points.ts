import type { OperationKind } from '@protocol/types';

/**
 * Called right after an operation recorded a step and before it runs it. Only tests give one:
 * the unit tier hangs the operation there (nothing after it runs, as after a `kill -9`), the rig
 * kills the real agent process.
 */
export type CrashPoint = (kind: OperationKind, step: string) => Promise<void> | void;

/** The variable the rig sets to kill a real agent at one step: `<kind>:<step>`, e.g. `create:start`. */
export const CRASH_AT_ENV = 'ULTRABASE_TEST_CRASH_AT';

/**
 * A SIGKILL of this very process at the named step, when the variable is set (never in
 * production: nothing but the rig's crash test sets it).
 */
export function crashPointFromEnv(env: NodeJS.ProcessEnv): CrashPoint | undefined {
  const wanted = env[CRASH_AT_ENV];
  if (!wanted) return undefined;
  return (kind, step) => {
    if (`${kind}:${step}` === wanted) process.kill(process.pid, 'SIGKILL');
  };
}
