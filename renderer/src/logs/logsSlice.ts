import type { Slice } from '../app/store';
import { t } from '../i18n/i18n';

export interface LogTab {
  id: string;
  serverId: string;
  instanceId: string;
  /** One service, or every service of the project when absent. */
  service?: string;
  title: string;
}

export interface LogsSlice {
  logTabs: LogTab[];
  activeLogTab: string | null;
  openLogs(serverId: string, instanceId: string, service?: string): void;
  closeLogTab(id: string): void;
  selectLogTab(id: string): void;
}

export function logTabId(serverId: string, instanceId: string, service?: string): string {
  return `${serverId}/${instanceId}/${service ?? '*'}`;
}

export const createLogsSlice: Slice<LogsSlice> = (set, get) => ({
  logTabs: [],
  activeLogTab: null,

  openLogs(serverId, instanceId, service) {
    const id = logTabId(serverId, instanceId, service);
    const name = get().projects[`${serverId}/${instanceId}`]?.name ?? instanceId;
    set((s) => {
      const title = t('logs.tabTitle', { name, service: service ?? t('logs.allServices') });
      const tab: LogTab = { id, serverId, instanceId, title };
      if (service !== undefined) tab.service = service;
      const logTabs = s.logTabs.some((t) => t.id === id) ? s.logTabs : [...s.logTabs, tab];
      return { logTabs, activeLogTab: id };
    });
    get().navigate({ kind: 'logs' });
  },

  closeLogTab(id) {
    set((s) => {
      const i = s.logTabs.findIndex((t) => t.id === id);
      const logTabs = s.logTabs.filter((t) => t.id !== id);
      const activeLogTab =
        s.activeLogTab === id
          ? (logTabs[Math.min(i, logTabs.length - 1)]?.id ?? null)
          : s.activeLogTab;
      return { logTabs, activeLogTab };
    });
  },

  selectLogTab: (id) => set({ activeLogTab: id }),
});
