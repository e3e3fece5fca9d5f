import { AgentError, asCodedError } from '@common/coded-error';
import type { Caller } from '../auth/service';
import {
  BULK_SKIP_TEXT,
  bulkSkipReason,
  type BulkAction,
  type BulkItem,
  type BulkJob,
  type BulkJobSummary,
} from '@protocol/bulk';
import { ErrorCode } from '@protocol/error-codes';
import type { AgentEvent, DiagnosticReport, Instance } from '@protocol/types';
import { newInstanceId } from '../instances/ids';
import type { AuditInput } from '../state/audit-log';

/** Items of one job run at once: enough to finish 20 restarts quickly, few enough for the host. */
export const BULK_CONCURRENCY = 4;
/** Finished jobs kept in memory for `bulk.get` / `bulk.list` (jobs are not persisted). */
export const BULK_JOBS_KEPT = 50;

/** What the runner needs of the agent: the same calls a person's single requests make. */
export interface BulkDeps {
  /** The instance as the caller may see it, or NOT_FOUND. */
  get(caller: Caller, id: string): Instance;
  start(caller: Caller, id: string): Promise<unknown>;
  stop(caller: Caller, id: string): Promise<unknown>;
  restart(caller: Caller, id: string): Promise<unknown>;
  diagnose(caller: Caller, id: string): Promise<DiagnosticReport>;
  emit(event: AgentEvent): void;
  audit(entry: AuditInput): void;
  now(): Date;
  concurrency?: number;
  newId?: () => string;
}

/**
 * Runs bulk jobs inside the agent. Each item goes through the instance service exactly as a
 * single request would (rights, state rules, the per-instance lock), so a bulk restart and a
 * person's own stop of one of its projects exclude each other the usual way: the loser gets
 * BUSY, recorded on its item. Nothing here belongs to a connection, so closing the window that
 * asked does not stop a job.
 */
export class BulkRunner {
  private readonly jobs = new Map<string, { job: BulkJob; caller: Caller; done: Promise<void> }>();

  constructor(private readonly deps: BulkDeps) {}

  start(caller: Caller, action: BulkAction, ids: readonly string[]): BulkJob {
    const at = this.deps.now().toISOString();
    const items = [...new Set(ids)].map((id): BulkItem => this.plan(caller, action, id));
    const job: BulkJob = {
      id: `b${(this.deps.newId ?? newInstanceId)()}`,
      action,
      actor: caller.username,
      createdAt: at,
      total: items.length,
      done: 0,
      failed: 0,
      skipped: 0,
      items,
    };
    recount(job);
    const done = this.run(job, caller);
    this.jobs.set(job.id, { job, caller, done });
    this.prune();
    this.deps.emit({ type: 'bulk.progress', job: summaryOf(job) });
    return structuredClone(job);
  }

  get(caller: Caller, jobId: string): BulkJob {
    const entry = this.jobs.get(jobId);
    if (!entry || !mayWatch(caller, entry.job)) {
      throw new AgentError(ErrorCode.NOT_FOUND, `There is no bulk job "${jobId}".`, { jobId });
    }
    return structuredClone(entry.job);
  }

  list(caller: Caller): BulkJobSummary[] {
    return [...this.jobs.values()]
      .filter((e) => mayWatch(caller, e.job))
      .map((e) => summaryOf(e.job))
      .reverse();
  }

  /** Resolves when every job begun so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.jobs.values()].map((e) => e.done));
  }

  /** An item the caller may not see fails NOT_FOUND, like a single request would. */
  private plan(caller: Caller, action: BulkAction, id: string): BulkItem {
    let instance: Instance;
    try {
      instance = this.deps.get(caller, id);
    } catch (error) {
      return { instanceId: id, name: id, status: 'failed', error: errorOf(error) };
    }
    const skip = bulkSkipReason(action, instance.status);
    return skip
      ? {
          instanceId: id,
          name: instance.name,
          status: 'skipped',
          skip,
          error: { code: ErrorCode.INVALID_STATE, message: BULK_SKIP_TEXT[skip] },
        }
      : { instanceId: id, name: instance.name, status: 'pending' };
  }

  private async run(job: BulkJob, caller: Caller): Promise<void> {
    // Let start() hand the job back before the first item changes it.
    await Promise.resolve();
    const queue = job.items.filter((i) => i.status === 'pending');
    const worker = async () => {
      for (let item = queue.shift(); item; item = queue.shift())
        await this.runItem(job, caller, item);
    };
    const width = Math.max(1, this.deps.concurrency ?? BULK_CONCURRENCY);
    await Promise.all(Array.from({ length: Math.min(width, queue.length) }, worker));
    job.finishedAt = this.deps.now().toISOString();
    recount(job);
    this.deps.emit({ type: 'bulk.progress', job: summaryOf(job) });
  }

  private async runItem(job: BulkJob, caller: Caller, item: BulkItem): Promise<void> {
    item.status = 'running';
    this.deps.emit({ type: 'bulk.progress', job: summaryOf(job), item: { ...item } });
    try {
      if (job.action === 'diagnose') {
        item.verdict = (await this.deps.diagnose(caller, item.instanceId)).status;
      } else {
        await this.deps[job.action](caller, item.instanceId);
      }
      item.status = 'done';
    } catch (error) {
      item.status = 'failed';
      item.error = errorOf(error);
    }
    recount(job);
    this.deps.audit({
      actor: caller.username,
      action: `instances.${job.action}`,
      target: item.instanceId,
      result: item.status === 'done' ? 'ok' : 'error',
      ...(item.error ? { code: item.error.code } : {}),
      detail: { bulk: job.id },
    });
    this.deps.emit({ type: 'bulk.progress', job: summaryOf(job), item: { ...item } });
  }

  /** Keeps the newest finished jobs; a job still running is never dropped. */
  private prune(): void {
    const finished = [...this.jobs.values()].filter((e) => e.job.finishedAt !== undefined);
    for (const e of finished.slice(0, Math.max(0, this.jobs.size - BULK_JOBS_KEPT))) {
      this.jobs.delete(e.job.id);
    }
  }
}

function mayWatch(caller: Caller, job: BulkJob): boolean {
  return caller.role === 'admin' || job.actor === caller.username;
}

function recount(job: BulkJob): void {
  job.done = job.items.filter((i) => i.status === 'done').length;
  job.failed = job.items.filter((i) => i.status === 'failed').length;
  job.skipped = job.items.filter((i) => i.status === 'skipped').length;
}

function summaryOf(job: BulkJob): BulkJobSummary {
  const { items: _items, ...summary } = job;
  return { ...summary };
}

/** The stable code and the agent's sentence; anything uncoded stays INTERNAL without detail. */
function errorOf(error: unknown): { code: string; message: string } {
  const coded = asCodedError(error);
  if (coded) return { code: coded.code, message: coded.message };
  return { code: ErrorCode.INTERNAL, message: 'The operation failed unexpectedly.' };
}
