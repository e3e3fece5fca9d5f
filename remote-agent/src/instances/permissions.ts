import { AgentError } from '../agent-error';
import type { Caller } from '../auth/service';
import { ErrorCode } from '@protocol/error-codes';
import type { Instance } from '@protocol/types';

/** Admins see every instance; a user sees the ones they own and the ones granted to them. */
export function canSee(caller: Caller, instance: Pick<Instance, 'id' | 'owner'>): boolean {
  return (
    caller.role === 'admin' ||
    instance.owner === caller.username ||
    caller.grants.includes(instance.id)
  );
}

/** Deleting destroys data: only the owner or an admin, not someone it was merely shared with. */
export function canDelete(caller: Caller, instance: Pick<Instance, 'owner'>): boolean {
  return caller.role === 'admin' || instance.owner === caller.username;
}

/** An instance the caller may not see is reported as absent: its existence is not theirs to know. */
export function notFound(id: string): AgentError {
  return new AgentError(ErrorCode.NOT_FOUND, `There is no instance "${id}".`, { id });
}

export function requireAdmin(caller: Caller): void {
  if (caller.role !== 'admin') {
    throw new AgentError(ErrorCode.FORBIDDEN, 'Only an admin may do this.');
  }
}
