import { AgentError } from '@common/coded-error';
import { isDiskFull } from '../agent-error';
import { ErrorCode } from '@protocol/error-codes';

export { isDiskFull };

const WHAT = {
  create: 'creation',
  backup: 'backup',
  apply: 'settings change',
} as const;

/**
 * The error an operation ends with when the data directory's disk filled up while it ran:
 * DISK_FULL, with what was undone, so the person knows nothing is left half-done.
 */
export function diskFullError(operation: keyof typeof WHAT, undone: string): AgentError {
  return new AgentError(
    ErrorCode.DISK_FULL,
    `The data directory's disk filled up during the ${WHAT[operation]}; ${undone}. Free some ` +
      'space, then try again.',
    { operation },
  );
}
