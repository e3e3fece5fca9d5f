import type { Slice } from './store';

export type View =
  | { kind: 'projects' }
  | { kind: 'project'; serverId: string; instanceId: string; tab?: ProjectTab }
  | { kind: 'server'; serverId: string }
  | { kind: 'logs' }
  | { kind: 'users'; serverId?: string }
  | { kind: 'notifications'; serverId: string }
  | { kind: 'settings' };

export type ProjectTab = 'overview' | 'diagnostics' | 'usage' | 'activity' | 'settings' | 'backups';

export type DialogState =
  | { kind: 'addServer' }
  | { kind: 'editServer'; serverId: string }
  | { kind: 'create'; serverId?: string }
  | { kind: 'deleteProject'; serverId: string; instanceId: string }
  | { kind: 'removeServer'; serverId: string }
  | { kind: 'shortcuts' };

export interface NavSlice {
  view: View;
  dialog: DialogState | null;
  navigate(view: View): void;
  openDialog(dialog: DialogState): void;
  closeDialog(): void;
}

export const createNavSlice: Slice<NavSlice> = (set) => ({
  view: { kind: 'projects' },
  dialog: null,
  navigate: (view) => set({ view }),
  openDialog: (dialog) => set({ dialog }),
  closeDialog: () => set({ dialog: null }),
});
