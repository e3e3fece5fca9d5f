import { createContext, useContext } from 'react';
import { createStore, useStore, type StateCreator, type StoreApi } from 'zustand';
import type { DesktopApi, DesktopEvent } from '@contract/api';
import { createNavSlice, type NavSlice } from './navSlice';
import { createToastSlice, type ToastSlice } from '../ui/toastSlice';
import { createServersSlice, type ServersSlice } from '../servers/serversSlice';
import { createProjectsSlice, type ProjectsSlice } from '../projects/projectsSlice';
import { createCreateSlice, type CreateSlice } from '../create/createSlice';
import { createLogsSlice, type LogsSlice } from '../logs/logsSlice';
import { createDiagnosticsSlice, type DiagnosticsSlice } from '../diagnostics/diagnosticsSlice';
import { createUsersSlice, type UsersSlice } from '../users/usersSlice';
import { createSettingsSlice, type SettingsSlice } from '../settings/settingsSlice';
import { createTunnelsSlice, type TunnelsSlice } from '../projects/tunnelsSlice';
import { dispatchStreamEvent } from '../logs/streamRouter';
import { createBulkSlice, type BulkSlice } from '../projects/bulkSlice';

interface Base {
  /** The one way out of the renderer (injected so slices can be tested with a small fake). */
  api: DesktopApi;
  /** Routes a pushed event to the slices that care; stream data goes to the log terminals. */
  applyEvent(event: DesktopEvent): void;
}

export type AppState = Base &
  NavSlice &
  ToastSlice &
  ServersSlice &
  ProjectsSlice &
  CreateSlice &
  LogsSlice &
  DiagnosticsSlice &
  UsersSlice &
  SettingsSlice &
  TunnelsSlice &
  BulkSlice;

/** A feature's part of the one store; it may read the whole state through `get`. */
export type Slice<T> = StateCreator<AppState, [], [], T>;

export type AppStore = StoreApi<AppState>;

export function createAppStore(api: DesktopApi): AppStore {
  return createStore<AppState>()((set, get, store) => ({
    api,
    applyEvent(event) {
      const s = get();
      switch (event.type) {
        case 'server.state': {
          const before = s.servers.find((x) => x.id === event.server.id)?.state;
          s.upsertServer(event.server);
          // Back after a drop (the agent may have restarted): what changed meanwhile was not
          // pushed — a cut-off creation rolled back — so its cards are read again, none stale.
          if (event.server.state === 'connected' && before && before !== 'connected') {
            void s.loadProjects(event.server.id);
          }
          break;
        }
        case 'server.removed':
          s.forgetServer(event.serverId);
          break;
        case 'project.changed':
          s.upsertProject(event.project);
          break;
        case 'project.deleted':
          s.forgetProject(event.serverId, event.instanceId);
          break;
        case 'project.progress':
          s.applyProgress(event.serverId, event.event);
          break;
        case 'project.diagnosed':
          s.setReport(event.serverId, event.report);
          break;
        case 'project.repaired':
          s.applyRepair(event.serverId, event.result, event.automatic);
          break;
        case 'stream.data':
        case 'stream.end':
          dispatchStreamEvent(event);
          break;
        case 'bulk.progress':
          s.applyBulkProgress(event.serverId, event.job, event.item);
          break;
        case 'project.applying':
          // The Settings panel that started the change follows these itself.
          break;
      }
    },
    ...createNavSlice(set, get, store),
    ...createToastSlice(set, get, store),
    ...createServersSlice(set, get, store),
    ...createProjectsSlice(set, get, store),
    ...createCreateSlice(set, get, store),
    ...createLogsSlice(set, get, store),
    ...createDiagnosticsSlice(set, get, store),
    ...createUsersSlice(set, get, store),
    ...createSettingsSlice(set, get, store),
    ...createTunnelsSlice(set, get, store),
    ...createBulkSlice(set, get, store),
  }));
}

/** Loads what the first screen needs and subscribes to pushed events; returns the unsubscribe. */
export function startApp(store: AppStore): () => void {
  const s = store.getState();
  const off = s.api.onEvent((event) => store.getState().applyEvent(event));
  void s.loadSettings();
  void s.loadServers().then(() => store.getState().loadProjects());
  return off;
}

export const StoreContext = createContext<AppStore | null>(null);

export function useApp<T>(selector: (state: AppState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useApp outside <StoreContext.Provider>');
  return useStore(store, selector);
}

export function useAppStore(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useAppStore outside <StoreContext.Provider>');
  return store;
}
