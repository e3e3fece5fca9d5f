import type { InstanceStatus } from './types';

/**
 * Bulk operations: one request names many instances and an action; the agent runs them itself
 * (remote-agent/src/bulk/), each under the instance's own lock, and keeps going when the client
 * that asked goes away. Progress arrives as `bulk.progress` events; `bulk.get` replays a job.
 */
export const BULK_ACTIONS = ['start', 'stop', 'restart', 'diagnose'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** Most instances one bulk request may name (the fleet view's whole table of one server). */
export const BULK_MAX_ITEMS = 500;

export type BulkItemStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

export interface BulkItem {
  instanceId: string;
  /** The project's name when the job began (for a summary after it is deleted). */
  name: string;
  status: BulkItemStatus;
  /** Why it failed (a stable code) or why it was skipped. */
  error?: { code: string; message: string };
  /** `diagnose`: the verdict of the diagnosis. */
  verdict?: 'ok' | 'warn' | 'fail';
  /** Why it was skipped, as a code a client can put in words. */
  skip?: BulkSkip;
}

export interface BulkJobSummary {
  id: string;
  action: BulkAction;
  /** Who asked: only they (and admins) see the job. */
  actor: string;
  createdAt: string;
  finishedAt?: string;
  total: number;
  done: number;
  failed: number;
  skipped: number;
}

export interface BulkJob extends BulkJobSummary {
  items: BulkItem[];
}

export type BulkSkip = 'already-running' | 'already-stopped' | 'dry-run' | 'failed-creation';

/** The agent's English sentence for each skip (clients show their own words by code). */
export const BULK_SKIP_TEXT: Record<BulkSkip, string> = {
  'already-running': 'It is already running.',
  'already-stopped': 'It is already stopped.',
  'dry-run': 'It is a dry run that was never created.',
  'failed-creation': 'Its creation failed: delete it and create it again.',
};

/**
 * Why an instance in this status is left out of the action, or undefined when the action
 * applies. Shared so the confirmation the person reads says what the agent will do.
 */
export function bulkSkipReason(action: BulkAction, status: InstanceStatus): BulkSkip | undefined {
  if (action === 'start' && status === 'running') return 'already-running';
  if (action === 'stop' && status === 'stopped') return 'already-stopped';
  if (status === 'created') return 'dry-run';
  if (status === 'failed' && action !== 'diagnose') return 'failed-creation';
  return undefined;
}
