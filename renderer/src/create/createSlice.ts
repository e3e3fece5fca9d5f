import type { Exposure, ProgressEvent } from '@contract/api';
import type { ProjectSize } from '@protocol/types';
import { projectKey, toApiError, type ApiError } from '../api';
import type { Slice } from '../app/store';
import { errorText } from '../i18n/error-messages';
import { t } from '../i18n/i18n';

export interface CreateSlice {
  /** Progress events per project key, in seq order, without duplicates. */
  progress: Record<string, ProgressEvent[]>;
  /** The creation the dialog is showing, once the agent accepted it. */
  activeCreation: { serverId: string; instanceId: string; queuePosition: number } | null;
  createError: ApiError | null;
  createProject(
    serverId: string,
    name: string,
    exposure: Exposure,
    options?: { size?: ProjectSize },
  ): Promise<boolean>;
  applyProgress(serverId: string, event: ProgressEvent): void;
  resetCreation(): void;
  /** Project keys whose creation is being cancelled (the agent answers after the rollback). */
  cancellingCreations: Record<string, true>;
  /** Cancels a queued or running creation; it ends `failed` with CANCELLED, nothing left. */
  cancelCreation(serverId: string, instanceId: string): Promise<void>;
}

/** Merges an event into a seq-ordered list; replays and live events may overlap or cross. */
export function mergeProgress(events: ProgressEvent[], event: ProgressEvent): ProgressEvent[] {
  if (events.some((e) => e.seq === event.seq)) return events;
  const last = events[events.length - 1];
  if (!last || last.seq < event.seq) return [...events, event];
  return [...events, event].sort((a, b) => a.seq - b.seq);
}

export const createCreateSlice: Slice<CreateSlice> = (set, get) => ({
  progress: {},
  activeCreation: null,
  createError: null,
  cancellingCreations: {},

  async createProject(serverId, name, exposure, options) {
    set({ createError: null });
    try {
      const { project, queuePosition } = await get().api.createProject(serverId, {
        name,
        exposure,
        ...(options?.size ? { size: options.size } : {}),
      });
      get().upsertProject(project);
      set({ activeCreation: { serverId, instanceId: project.id, queuePosition } });
      // Events may have been pushed before the call returned: replay what the agent kept.
      const replay = await get().api.projectProgress(serverId, project.id);
      for (const event of replay.events) get().applyProgress(serverId, event);
      return true;
    } catch (raw) {
      set({ createError: toApiError(raw) });
      return false;
    }
  },

  applyProgress(serverId, event) {
    const key = projectKey(serverId, event.instanceId);
    set((s) => ({
      progress: { ...s.progress, [key]: mergeProgress(s.progress[key] ?? [], event) },
    }));
    const name = get().projects[key]?.name ?? event.instanceId;
    if (event.step === 'done' && event.status === 'done') {
      get().toast({
        kind: 'success',
        title: t('create.runningToast', { name }),
        body: t('create.runningToastBody'),
      });
    } else if (event.status === 'failed' && event.error?.code === 'CANCELLED') {
      // Asked for, so not an error; the rollback that follows has its own event.
      get().toast({ kind: 'info', title: t('create.cancelledToast', { name }) });
    } else if (event.status === 'failed' && (event.step === 'rollback' || event.error)) {
      // One toast per failure: the step that failed carries the error; rollback follows it.
      if (event.step !== 'rollback') {
        get().toast({
          kind: 'error',
          title: t('create.failedToast', { name }),
          body: event.error
            ? errorText(event.error)
            : (event.message ?? t('create.failedToastBody')),
        });
      }
    }
  },

  resetCreation: () => set({ activeCreation: null, createError: null }),

  async cancelCreation(serverId, instanceId) {
    const key = projectKey(serverId, instanceId);
    if (get().cancellingCreations[key]) return;
    set((s) => ({ cancellingCreations: { ...s.cancellingCreations, [key]: true } }));
    try {
      get().upsertProject(await get().api.cancelCreation(serverId, instanceId));
    } catch (raw) {
      // Most often INVALID_STATE: it finished a moment before; the project shows how.
      get().toast({
        kind: 'error',
        title: t('create.cancelFailed'),
        body: errorText(toApiError(raw)),
      });
    } finally {
      set((s) => {
        const { [key]: _done, ...rest } = s.cancellingCreations;
        return { cancellingCreations: rest };
      });
    }
  },
});
