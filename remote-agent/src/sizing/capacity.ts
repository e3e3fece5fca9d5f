import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { Instance, ProjectSize } from '@protocol/types';
import { expectedServicesFor } from '../diagnostics/expected-stack';
import type { StackServiceName } from '../stack/services/definition';
import { DEFAULT_SIZE, describeSize, projectMemoryMb } from './profiles';

/** Entries whose limits count: dry runs and failed creations run nothing. */
function commits(instance: Instance): boolean {
  return instance.status !== 'created' && instance.status !== 'failed';
}

/**
 * The memory an instance's limits commit. A project from before sizes has no limits at all; it
 * is counted as `medium`, what it most likely needs, so it is not free in the accounting.
 */
export function instanceMemoryMb(instance: Instance): number {
  return projectMemoryMb(
    instance.size ?? DEFAULT_SIZE,
    expectedServicesFor(instance) as StackServiceName[],
  );
}

export interface CapacityFacts {
  instances: readonly Instance[];
  memoryTotalMb: number;
  /** How far the sum of limits may exceed physical memory (1.5 = 150 %). */
  overcommit: number;
}

export interface MemoryAccount {
  memoryTotalMb: number;
  overcommit: number;
  /** memoryTotalMb × overcommit: what the limits may add up to. */
  memoryAllowedMb: number;
  memoryCommittedMb: number;
  memoryFreeMb: number;
}

export function memoryAccount(facts: CapacityFacts, excludeId?: string): MemoryAccount {
  const committed = facts.instances
    .filter((i) => commits(i) && i.id !== excludeId)
    .reduce((sum, i) => sum + instanceMemoryMb(i), 0);
  const allowed = Math.floor(facts.memoryTotalMb * facts.overcommit);
  return {
    memoryTotalMb: facts.memoryTotalMb,
    overcommit: facts.overcommit,
    memoryAllowedMb: allowed,
    memoryCommittedMb: committed,
    memoryFreeMb: Math.max(0, allowed - committed),
  };
}

/**
 * Refuses with INSUFFICIENT_RESOURCES and the numbers when a project of this size would push the
 * sum of memory limits past physical memory × overcommit. `excludeId`: the project being resized
 * (its old size no longer counts).
 */
export function checkCapacity(
  facts: CapacityFacts,
  size: ProjectSize,
  services: readonly StackServiceName[],
  excludeId?: string,
): MemoryAccount {
  const account = memoryAccount(facts, excludeId);
  const requested = projectMemoryMb(size, services);
  if (requested > account.memoryFreeMb) {
    throw new AgentError(
      ErrorCode.INSUFFICIENT_RESOURCES,
      `A ${describeSize(size)} project needs ${requested} MB of memory limits, but only ` +
        `${account.memoryFreeMb} MB are left: ${account.memoryCommittedMb} MB are committed of ` +
        `${account.memoryAllowedMb} MB allowed (${account.memoryTotalMb} MB × overcommit ` +
        `${account.overcommit}). Pick a smaller size, turn off services, delete a project, or raise ` +
        'capacity.memoryOvercommit in the agent config.',
      { ...account, memoryRequestedMb: requested, size },
    );
  }
  return account;
}

/** How many more projects of each fixed size (default services) fit in what is left. */
export function projectsThatFit(
  account: MemoryAccount,
  services: readonly StackServiceName[],
): Record<'small' | 'medium' | 'large', number> {
  const fit = (profile: 'small' | 'medium' | 'large') =>
    Math.floor(account.memoryFreeMb / projectMemoryMb({ profile }, services));
  return { small: fit('small'), medium: fit('medium'), large: fit('large') };
}
