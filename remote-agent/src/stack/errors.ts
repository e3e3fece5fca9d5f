import { ErrorCode } from '../protocol/errors';

/** A stack that cannot be rendered for a reason a person can fix (config, input). */
export class StackError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'StackError';
  }
}
