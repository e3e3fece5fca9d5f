import { drillFailed } from '@protocol/backups';
import type { ProjectView } from '@contract/api';

export { drillFailed };

/**
 * Whether a person must look at the project: auto-repair gave up (`needsAttention`, which the
 * health scheduler clears once the project is healthy) or its last restore drill failed (kept
 * until a later drill passes, whatever the project's health).
 */
export function needsAttention(p: Pick<ProjectView, 'needsAttention' | 'backupStatus'>): boolean {
  return p.needsAttention === true || drillFailed(p);
}
