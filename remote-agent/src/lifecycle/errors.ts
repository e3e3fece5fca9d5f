import { ErrorCode } from '../protocol/errors';
import { DockerError } from '../docker/errors';

/** A refusal or failure of a lifecycle operation, with the stable code clients branch on. */
export class LifecycleError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'LifecycleError';
  }
}

/** Any thrown value → `{code, message}` for progress events and the instance's failure. */
export function describeError(err: unknown): { code: string; message: string } {
  if (err instanceof LifecycleError || err instanceof DockerError) {
    return { code: err.code, message: err.message };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: ErrorCode.INTERNAL, message: `Unexpected failure: ${message}` };
}
