/**
 * A creation as explicit steps, each with the undo of what it may leave behind, and the one
 * executor that runs them: on a failure it undoes the failed step and every step before it,
 * newest first. The steps themselves live in ./creation.ts; this file knows nothing of Docker,
 * so the order and rollback rules are tested in milliseconds.
 */
export const CREATION_STEPS = ['resources', 'docker', 'pull', 'start', 'health'] as const;
export type CreationStepName = (typeof CREATION_STEPS)[number];

export interface CreationStep<Ctx> {
  name: CreationStepName;
  run(ctx: Ctx): Promise<void>;
  /** Undoes what `run` may have left, including when `run` itself failed half-way. */
  rollback?(ctx: Ctx): Promise<void>;
}

export type CreationOutcome =
  | { ok: true }
  | {
      ok: false;
      step: CreationStepName;
      error: unknown;
      /** Steps whose rollback ran, newest first, and the first rollback error, if any. */
      rolledBack: CreationStepName[];
      rollbackError?: unknown;
    };

export interface CreationHooks {
  /** Awaited before the step runs: the place to record it durably (operations/journal.ts). */
  onStep?(step: CreationStepName): Promise<void> | void;
  /** Awaited before any rollback: the place to look at what failed while it still exists. */
  onFailed?(step: CreationStepName, error: unknown): Promise<void> | void;
  /**
   * Cancels at the next step boundary: the step about to run fails with `signal.reason`
   * instead, and the rollback runs exactly as for any failure. A step may also watch the
   * signal itself to stop a long wait early.
   */
  signal?: AbortSignal;
}

export async function executeCreation<Ctx>(
  steps: readonly CreationStep<Ctx>[],
  ctx: Ctx,
  hooks: CreationHooks = {},
): Promise<CreationOutcome> {
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    try {
      hooks.signal?.throwIfAborted();
      await hooks.onStep?.(step.name);
      await step.run(ctx);
      // A step that ignored the signal still must not let the creation carry on past it.
      hooks.signal?.throwIfAborted();
    } catch (error) {
      await hooks.onFailed?.(step.name, error);
      const rolledBack: CreationStepName[] = [];
      let rollbackError: unknown;
      for (let j = i; j >= 0; j--) {
        const undo = steps[j]!;
        if (!undo.rollback) continue;
        rolledBack.push(undo.name);
        try {
          await undo.rollback(ctx);
        } catch (e) {
          rollbackError ??= e;
        }
      }
      return { ok: false, step: step.name, error, rolledBack, rollbackError };
    }
  }
  return { ok: true };
}
