import type { OpenTarget, ProjectView, ServerView } from '@contract/api';
import { projectKey } from '../api';
import type { Slice } from '../app/store';

/**
 * A private project's ports listen on the *server's* loopback: its `urls` (127.0.0.1:8000,
 * postgres://…@127.0.0.1:5400) reach nothing from this computer, or worse, a local Postgres.
 * What works here is the local end of an SSH port forward, which the core opens on demand.
 */
export function needsTunnel(project: ProjectView, server: ServerView | undefined): boolean {
  return project.exposure === 'private' && server?.kind !== 'local';
}

export interface TunnelsSlice {
  /** Local addresses of forwards opened in this session, per project key and target. */
  tunnels: Record<string, Partial<Record<OpenTarget, string>>>;
  /**
   * The address of a project's Studio, API or database that works from this computer: the
   * server's own for public projects and the local server, a forward for private ones.
   * Rejects with the core's error when the forward cannot be opened.
   */
  reachableUrl(serverId: string, instanceId: string, target: OpenTarget): Promise<string>;
  forgetServerTunnels(serverId: string): void;
}

export const createTunnelsSlice: Slice<TunnelsSlice> = (set, get) => ({
  tunnels: {},

  async reachableUrl(serverId, instanceId, target) {
    const key = projectKey(serverId, instanceId);
    const project = get().projects[key];
    const server = get().servers.find((s) => s.id === serverId);
    if (project && !needsTunnel(project, server)) return project.urls[target];
    // Always ask the core: it reuses a live forward and reopens one that died with the link.
    const { url } = await get().api.openProject(serverId, instanceId, target);
    set((s) => ({ tunnels: { ...s.tunnels, [key]: { ...s.tunnels[key], [target]: url } } }));
    return url;
  },

  forgetServerTunnels(serverId) {
    set((s) => ({
      tunnels: Object.fromEntries(
        Object.entries(s.tunnels).filter(([key]) => !key.startsWith(`${serverId}/`)),
      ),
    }));
  },
});
