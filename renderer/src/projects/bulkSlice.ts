import type { BulkAction, BulkItem, BulkJob, BulkJobSummary, ProjectView } from '@contract/api';
import { bulkSkipReason } from '@protocol/bulk';
import { toApiError } from '../api';
import type { Slice } from '../app/store';
import { errorText } from '../i18n/error-messages';
import { t } from '../i18n/i18n';

/** A bulk job as the renderer follows it: one per server of the selection. */
export interface TrackedBulkJob extends BulkJob {
  serverId: string;
  serverName: string;
}

export interface BulkSlice {
  /** Keyed `serverId/jobId`, in the order they began. */
  bulkJobs: Record<string, TrackedBulkJob>;
  /** Starts one agent-side job per server; the agents go on if this window closes. */
  startBulk(action: BulkAction, projects: readonly ProjectView[]): Promise<void>;
  applyBulkProgress(serverId: string, job: BulkJobSummary, item?: BulkItem): void;
  dismissBulkJobs(): void;
}

/** What the confirmation lists: each project and whether the action applies or why not. */
export function bulkPlan(action: BulkAction, projects: readonly ProjectView[]) {
  return projects.map((p) => ({ project: p, skip: bulkSkipReason(action, p.status) }));
}

/** Projects grouped by server, one bulk request each. */
export function byServer(projects: readonly ProjectView[]): Map<string, ProjectView[]> {
  const groups = new Map<string, ProjectView[]>();
  for (const p of projects) groups.set(p.serverId, [...(groups.get(p.serverId) ?? []), p]);
  return groups;
}

const keyOf = (serverId: string, jobId: string) => `${serverId}/${jobId}`;

/** Items merged by project; a later status never goes back to an earlier one. */
const ORDER: Record<BulkItem['status'], number> = {
  pending: 0,
  running: 1,
  done: 2,
  failed: 2,
  skipped: 2,
};
function mergeItems(current: BulkItem[], incoming: BulkItem[]): BulkItem[] {
  const byId = new Map(current.map((i) => [i.instanceId, i]));
  for (const item of incoming) {
    const known = byId.get(item.instanceId);
    if (!known || ORDER[item.status] >= ORDER[known.status]) byId.set(item.instanceId, item);
  }
  return [...byId.values()];
}

export const createBulkSlice: Slice<BulkSlice> = (set, get) => ({
  bulkJobs: {},

  async startBulk(action, projects) {
    for (const [serverId, list] of byServer(projects)) {
      try {
        const job = await get().api.startBulk(
          serverId,
          action,
          list.map((p) => p.id),
        );
        set((s) => {
          const key = keyOf(serverId, job.id);
          const known = s.bulkJobs[key];
          const merged: TrackedBulkJob = {
            ...job,
            ...(known ?? {}),
            items: mergeItems(job.items, known?.items ?? []),
            serverId,
            serverName: list[0]!.serverName,
          };
          return { bulkJobs: { ...s.bulkJobs, [key]: merged } };
        });
      } catch (raw) {
        get().toast({
          kind: 'error',
          title: t('fleet.bulk.startFailed', { server: list[0]!.serverName }),
          body: errorText(toApiError(raw)),
        });
      }
    }
  },

  applyBulkProgress(serverId, summary, item) {
    const key = keyOf(serverId, summary.id);
    set((s) => {
      const known = s.bulkJobs[key];
      const serverName = get().servers.find((x) => x.id === serverId)?.name ?? serverId;
      const next: TrackedBulkJob = {
        ...(known ?? { items: [], serverId, serverName }),
        ...summary,
        items: item ? mergeItems(known?.items ?? [], [item]) : (known?.items ?? []),
      };
      return { bulkJobs: { ...s.bulkJobs, [key]: next } };
    });
    // The end of a job: read it whole, so the summary is right even if an event was missed.
    if (summary.finishedAt !== undefined) {
      void get()
        .api.bulkJob(serverId, summary.id)
        .then(
          (job) =>
            set((s) => ({
              bulkJobs: {
                ...s.bulkJobs,
                [key]: { ...s.bulkJobs[key]!, ...job, items: job.items },
              },
            })),
          () => undefined,
        );
    }
  },

  dismissBulkJobs() {
    set((s) => ({
      bulkJobs: Object.fromEntries(
        Object.entries(s.bulkJobs).filter(([, j]) => j.finishedAt === undefined),
      ),
    }));
  },
});
