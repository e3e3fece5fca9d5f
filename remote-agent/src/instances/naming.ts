import { AgentError } from '../agent-error';
import { ErrorCode } from '@protocol/error-codes';
import type { Instance } from '@protocol/types';
import { instanceNameProblem } from '@protocol/validation';

/**
 * INVALID_NAME with the reason, before anything is written. Names are unique per owner,
 * compared without case so "Shop" and "shop" cannot both appear on one person's grid.
 */
export function checkInstanceName(name: string, owner: string, existing: Iterable<Instance>): void {
  const problem = instanceNameProblem(name);
  if (problem) throw new AgentError(ErrorCode.INVALID_NAME, problem, { reason: problem });
  const wanted = name.toLowerCase();
  for (const instance of existing) {
    if (instance.owner === owner && instance.name.toLowerCase() === wanted) {
      const reason = `You already have a project named "${instance.name}".`;
      throw new AgentError(ErrorCode.INVALID_NAME, reason, { reason, existingId: instance.id });
    }
  }
}
