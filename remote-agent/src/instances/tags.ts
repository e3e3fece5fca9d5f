import { AgentError } from '@common/coded-error';
import type { Caller } from '../auth/service';
import { ErrorCode } from '@protocol/error-codes';
import { checkTags } from '@protocol/tags';
import type { Instance } from '@protocol/types';
import type { StoreInstanceRegistry } from './registry';
import type { InstanceService } from './service';

/**
 * Tags live on the instance's record in the agent's state, so every staff member who sees the
 * project sees the same tags. Whoever may operate the project (owner, grantee, admin) may tag
 * it, like a start or a stop. An empty list removes the field.
 */
export async function setInstanceTags(
  deps: { instances: InstanceService; registry: StoreInstanceRegistry },
  caller: Caller,
  id: string,
  tags: readonly string[],
): Promise<Instance> {
  deps.instances.get(caller, id);
  const check = checkTags(tags);
  if (!check.ok) {
    throw new AgentError(ErrorCode.INVALID_TAG, check.reason, {
      problem: check.problem,
      ...(check.tag !== undefined ? { tag: check.tag } : {}),
    });
  }
  return deps.registry.update(id, { tags: check.tags.length > 0 ? check.tags : undefined });
}
