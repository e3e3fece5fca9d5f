import type {
  AuditEntry,
  HostKeyInfo,
  ServerInput,
  ServerView,
  SystemResources,
} from '@contract/api';
import { toApiError, type ApiError } from '../api';
import type { Slice } from '../app/store';
import { errorText } from '../i18n/error-messages';
import { t } from '../i18n/i18n';

/** The pinned key no longer matches: shown as a blocking warning, never silently accepted. */
export interface HostKeyAlert {
  serverId: string;
  expected: string;
  actual: string;
}

export interface ServersSlice {
  servers: ServerView[];
  serversLoaded: boolean;
  /** A first-seen key waiting for the person to compare and trust it. */
  hostKeyPrompt: { serverId: string; info: HostKeyInfo } | null;
  hostKeyAlert: HostKeyAlert | null;
  resources: Record<string, SystemResources>;
  /** Keyed by server id, or `serverId/instanceId` for one project's entries. */
  audit: Record<string, AuditEntry[]>;
  loadServers(): Promise<void>;
  upsertServer(server: ServerView): void;
  forgetServer(serverId: string): void;
  addServer(input: ServerInput): Promise<ServerView>;
  updateServer(id: string, patch: Partial<ServerInput>): Promise<ServerView>;
  removeServer(id: string): Promise<void>;
  connectServer(id: string): Promise<ServerView | null>;
  trustHostKey(id: string, fingerprint: string): Promise<void>;
  dismissHostKey(): void;
  /** Reopens the host-key dialog from the server's last error; false if it was not about the key. */
  reviewHostKey(serverId: string): boolean;
  disconnectServer(id: string): Promise<void>;
  loadResources(id: string): Promise<void>;
  loadAudit(serverId: string, instanceId?: string): Promise<void>;
}

/** HOST_KEY_CHANGED carries `{ expected, actual }`, either fingerprints or HostKeyInfo objects. */
export function fingerprintFrom(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const fp = (value as { fingerprint?: unknown }).fingerprint;
    if (typeof fp === 'string') return fp;
  }
  return 'unknown';
}

/** What the host-key flow does with a failed connect; null when it is an ordinary failure. */
export function hostKeyOutcome(
  serverId: string,
  error: ApiError,
):
  | { kind: 'prompt'; prompt: { serverId: string; info: HostKeyInfo } }
  | { kind: 'alert'; alert: HostKeyAlert }
  | null {
  if (error.code === 'HOST_KEY_UNKNOWN' && error.data) {
    return { kind: 'prompt', prompt: { serverId, info: error.data as unknown as HostKeyInfo } };
  }
  if (error.code === 'HOST_KEY_CHANGED' || error.code === 'HOST_KEY_MISMATCH') {
    return {
      kind: 'alert',
      alert: {
        serverId,
        expected: fingerprintFrom(error.data?.expected),
        actual: fingerprintFrom(error.data?.actual),
      },
    };
  }
  return null;
}

export const createServersSlice: Slice<ServersSlice> = (set, get) => ({
  servers: [],
  serversLoaded: false,
  hostKeyPrompt: null,
  hostKeyAlert: null,
  resources: {},
  audit: {},

  async loadServers() {
    try {
      const servers = await get().api.listServers();
      set({ servers, serversLoaded: true });
    } catch (error) {
      set({ serversLoaded: true });
      get().toast({
        kind: 'error',
        title: t('servers.listFailed'),
        body: errorText(toApiError(error)),
      });
    }
  },

  upsertServer(server) {
    set((s) => {
      const i = s.servers.findIndex((x) => x.id === server.id);
      if (i === -1) return { servers: [...s.servers, server] };
      const servers = s.servers.slice();
      servers[i] = server;
      return { servers };
    });
  },

  forgetServer(serverId) {
    set((s) => ({ servers: s.servers.filter((x) => x.id !== serverId) }));
    get().forgetServerProjects(serverId);
    const view = get().view;
    if (view.kind !== 'projects' && 'serverId' in view && view.serverId === serverId) {
      get().navigate({ kind: 'projects' });
    }
  },

  async addServer(input) {
    const server = await get().api.addServer(input);
    get().upsertServer(server);
    // Connecting right away is what shows the host-key confirmation for a new server.
    void get().connectServer(server.id);
    return server;
  },

  async updateServer(id, patch) {
    const server = await get().api.updateServer(id, patch);
    get().upsertServer(server);
    return server;
  },

  async removeServer(id) {
    await get().api.removeServer(id);
    get().forgetServer(id);
  },

  async connectServer(id) {
    try {
      const server = await get().api.connectServer(id);
      get().upsertServer(server);
      await get().loadProjects(id);
      return server;
    } catch (raw) {
      const error = toApiError(raw);
      const outcome = hostKeyOutcome(id, error);
      if (outcome?.kind === 'prompt') set({ hostKeyPrompt: outcome.prompt });
      else if (outcome?.kind === 'alert') set({ hostKeyAlert: outcome.alert });
      else {
        const name = get().servers.find((s) => s.id === id)?.name ?? t('servers.theServer');
        get().toast({
          kind: 'error',
          title: t('servers.connectFailed', { name }),
          body: errorText(error),
        });
      }
      // The core pushes the error state too; refresh in case this call was the only signal.
      void get()
        .api.listServers()
        .then((servers) => set({ servers }))
        .catch(() => undefined);
      return null;
    }
  },

  async trustHostKey(id, fingerprint) {
    set({ hostKeyPrompt: null, hostKeyAlert: null });
    try {
      const server = await get().api.trustHostKey(id, fingerprint);
      get().upsertServer(server);
      if (server.state !== 'connected') await get().connectServer(id);
    } catch (raw) {
      const error = toApiError(raw);
      get().toast({ kind: 'error', title: t('servers.keyNotTrusted'), body: errorText(error) });
    }
  },

  dismissHostKey: () => set({ hostKeyPrompt: null, hostKeyAlert: null }),

  reviewHostKey(serverId) {
    const error = get().servers.find((s) => s.id === serverId)?.error;
    const outcome = error ? hostKeyOutcome(serverId, toApiError(error)) : null;
    if (outcome?.kind === 'prompt') set({ hostKeyPrompt: outcome.prompt });
    else if (outcome?.kind === 'alert') set({ hostKeyAlert: outcome.alert });
    return outcome !== null;
  },

  async disconnectServer(id) {
    await get().api.disconnectServer(id);
    get().forgetServerProjects(id);
  },

  async loadResources(id) {
    try {
      const r = await get().api.serverResources(id);
      set((s) => ({ resources: { ...s.resources, [id]: r } }));
    } catch {
      // The server page shows the connection error; a missing gauge is not worth a toast.
    }
  },

  async loadAudit(serverId, instanceId) {
    const key = instanceId ? `${serverId}/${instanceId}` : serverId;
    try {
      const entries = await get().api.serverAudit(
        serverId,
        instanceId ? { instanceId, limit: 20 } : { limit: 30 },
      );
      set((s) => ({ audit: { ...s.audit, [key]: entries } }));
    } catch {
      set((s) => ({ audit: { ...s.audit, [key]: [] } }));
    }
  },
});
