import type { AppSettings } from '@contract/api';
import { toApiError } from '../api';
import { errorText } from '../i18n/error-messages';
import { t } from '../i18n/i18n';
import type { Slice } from '../app/store';

export const DEFAULT_SETTINGS: AppSettings = {
  theme: 'system',
  defaultExposure: 'private',
  logTail: 500,
};

export interface SettingsSlice {
  settings: AppSettings;
  loadSettings(): Promise<void>;
  updateSettings(patch: Partial<AppSettings>): Promise<void>;
}

/** The class the document gets: the person's choice, or the OS preference for 'system'. */
export function resolveTheme(theme: AppSettings['theme'], prefersDark: boolean): 'light' | 'dark' {
  if (theme === 'system') return prefersDark ? 'dark' : 'light';
  return theme;
}

export const createSettingsSlice: Slice<SettingsSlice> = (set, get) => ({
  settings: DEFAULT_SETTINGS,

  async loadSettings() {
    try {
      set({ settings: await get().api.getSettings() });
    } catch {
      // Defaults are a fine first screen; the settings page will say if saving fails.
    }
  },

  async updateSettings(patch) {
    const before = get().settings;
    set({ settings: { ...before, ...patch } });
    try {
      set({ settings: await get().api.updateSettings(patch) });
    } catch (raw) {
      set({ settings: before });
      get().toast({
        kind: 'error',
        title: t('settings.notSaved'),
        body: errorText(toApiError(raw)),
      });
    }
  },
});
