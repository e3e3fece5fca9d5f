import type { ProjectView } from '@contract/api';
import { projectKey, toApiError } from '../api';
import type { Slice } from '../app/store';
import type { InstanceStatus } from '@protocol/types';
import { hasTag } from '@protocol/tags';
import { compareText, matchesQuery } from './fleet';
import { errorText } from '../i18n/error-messages';
import { t } from '../i18n/i18n';

export type ProjectAction = 'start' | 'stop' | 'restart' | 'delete';

export interface ProjectFilter {
  /** 'all' or one server id. */
  serverId: string;
  /** Name or server name. */
  query: string;
  /** 'all' or one status (the chips over the list). */
  status?: InstanceStatus | 'all';
  /** A tag (`cliente:acme`) or a tag key (`cliente`); absent or '' for every project. */
  tag?: string;
}

export interface ProjectsSlice {
  projects: Record<string, ProjectView>;
  projectsLoaded: boolean;
  projectFilter: ProjectFilter;
  pendingActions: Record<string, ProjectAction>;
  loadProjects(serverId?: string): Promise<void>;
  upsertProject(project: ProjectView): void;
  forgetProject(serverId: string, instanceId: string): void;
  forgetServerProjects(serverId: string): void;
  setProjectFilter(patch: Partial<ProjectFilter>): void;
  runProjectAction(serverId: string, instanceId: string, action: ProjectAction): Promise<boolean>;
}

/** Cards in a stable order: by server, then name; filtered by server, status and a search. */
export function visibleProjects(
  projects: Record<string, ProjectView>,
  filter: ProjectFilter,
): ProjectView[] {
  return Object.values(projects)
    .filter((p) => filter.serverId === 'all' || p.serverId === filter.serverId)
    .filter((p) => !filter.status || filter.status === 'all' || p.status === filter.status)
    .filter((p) => !filter.tag || hasTag(p.tags, filter.tag))
    .filter((p) => matchesQuery(p, filter.query))
    .sort(
      (a, b) =>
        compareText(a.serverName, b.serverName) ||
        compareText(a.name, b.name) ||
        compareText(a.id, b.id),
    );
}

export const createProjectsSlice: Slice<ProjectsSlice> = (set, get) => ({
  projects: {},
  projectsLoaded: false,
  projectFilter: { serverId: 'all', query: '' },
  pendingActions: {},

  async loadProjects(serverId) {
    try {
      const list = await get().api.listProjects(serverId);
      set((s) => {
        const projects: Record<string, ProjectView> = {};
        // A per-server refresh replaces only that server's cards.
        if (serverId) {
          for (const [k, p] of Object.entries(s.projects))
            if (p.serverId !== serverId) projects[k] = p;
        }
        for (const p of list) projects[projectKey(p.serverId, p.id)] = p;
        return { projects, projectsLoaded: true };
      });
    } catch (raw) {
      set({ projectsLoaded: true });
      const error = toApiError(raw);
      if (error.code !== 'NOT_CONNECTED') {
        get().toast({ kind: 'error', title: t('projects.listFailed'), body: errorText(error) });
      }
    }
  },

  upsertProject(project) {
    set((s) => ({
      projects: { ...s.projects, [projectKey(project.serverId, project.id)]: project },
    }));
  },

  forgetProject(serverId, instanceId) {
    const key = projectKey(serverId, instanceId);
    set((s) => {
      if (!(key in s.projects)) return s;
      const projects = { ...s.projects };
      delete projects[key];
      return { projects };
    });
    const view = get().view;
    if (view.kind === 'project' && view.serverId === serverId && view.instanceId === instanceId) {
      get().navigate({ kind: 'projects' });
    }
  },

  forgetServerProjects(serverId) {
    // A disconnect closes the server's forwards: their local addresses no longer work.
    get().forgetServerTunnels(serverId);
    set((s) => ({
      projects: Object.fromEntries(
        Object.entries(s.projects).filter(([, p]) => p.serverId !== serverId),
      ),
    }));
  },

  setProjectFilter: (patch) => set((s) => ({ projectFilter: { ...s.projectFilter, ...patch } })),

  async runProjectAction(serverId, instanceId, action) {
    const key = projectKey(serverId, instanceId);
    const name = get().projects[key]?.name ?? instanceId;
    set((s) => ({ pendingActions: { ...s.pendingActions, [key]: action } }));
    try {
      const api = get().api;
      if (action === 'delete') {
        await api.deleteProject(serverId, instanceId);
        get().forgetProject(serverId, instanceId);
      } else {
        const call =
          action === 'start'
            ? api.startProject
            : action === 'stop'
              ? api.stopProject
              : api.restartProject;
        get().upsertProject(await call.call(api, serverId, instanceId));
      }
      get().toast({ kind: 'success', title: t(`projects.done.${action}`, { name }) });
      return true;
    } catch (raw) {
      const error = toApiError(raw);
      get().toast({
        kind: 'error',
        title: t(`projects.failed.${action}`, { name }),
        body: errorText(error),
      });
      return false;
    } finally {
      set((s) => {
        const pendingActions = { ...s.pendingActions };
        delete pendingActions[key];
        return { pendingActions };
      });
    }
  },
});
