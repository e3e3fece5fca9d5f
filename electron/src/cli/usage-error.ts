import type { AnyCommand } from './command-table';
import type { MessageKey, Translate } from './i18n';

/**
 * A mistake in the command line itself (exit code 2). It carries a stable code for `--json`
 * and scripts, and a catalogue key so the person reads it in their language.
 */
export class UsageError extends Error {
  /** The command the line was meant for, once known: its own help is shown, not all of them. */
  command: AnyCommand | undefined;

  constructor(
    readonly code: UsageErrorCode,
    readonly key: MessageKey,
    readonly values: Record<string, string> = {},
    /** A sentence of its own put into `values[name]`, translated the same way. */
    readonly part?: { name: string; key: MessageKey; values?: Record<string, string> },
  ) {
    super(`${code}: ${key}`);
    this.name = 'UsageError';
  }
}

export const UsageErrorCode = {
  NO_COMMAND: 'NO_COMMAND',
  UNKNOWN_COMMAND: 'UNKNOWN_COMMAND',
  UNKNOWN_FLAG: 'UNKNOWN_FLAG',
  FLAG_TAKES_NO_VALUE: 'FLAG_TAKES_NO_VALUE',
  FLAG_NEEDS_VALUE: 'FLAG_NEEDS_VALUE',
  FLAG_REPEATED: 'FLAG_REPEATED',
  INVALID_FLAG_VALUE: 'INVALID_FLAG_VALUE',
  MISSING_ARGUMENT: 'MISSING_ARGUMENT',
  UNEXPECTED_ARGUMENT: 'UNEXPECTED_ARGUMENT',
  SECRET_IN_FLAG: 'SECRET_IN_FLAG',
  SECRET_UNAVAILABLE: 'SECRET_UNAVAILABLE',
  CANCELLED: 'CANCELLED',
} as const;

export type UsageErrorCode = (typeof UsageErrorCode)[keyof typeof UsageErrorCode];

/** The person's sentence for a usage error, in their language. */
export function describeUsageError(err: UsageError, t: Translate): string {
  const values: Record<string, string> = { ...err.values };
  if (err.part) values[err.part.name] = t(err.part.key, err.part.values);
  return t(err.key, values);
}
