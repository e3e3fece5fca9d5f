import { chmodSync, statSync } from 'node:fs';
import Conf from 'conf';
import type { AppSettings, ServerProfile } from '@contract/api';

export const DEFAULT_SETTINGS: AppSettings = {
  theme: 'system',
  defaultExposure: 'private',
  logTail: 200,
};

interface SettingsFile {
  servers: Record<string, ServerProfile>;
  settings: AppSettings;
}

/**
 * Non-secret profile fields and app settings in `<home>/settings.json` (the same `conf` library
 * electron-store wraps, so the Electron shell and the CLI read one file). Secrets never come
 * here: they go to the SecretStore.
 */
export interface ProfileStore {
  readonly path: string;
  list(): ServerProfile[];
  get(id: string): ServerProfile | undefined;
  put(profile: ServerProfile): void;
  remove(id: string): void;
  settings(): AppSettings;
  updateSettings(patch: Partial<AppSettings>): AppSettings;
}

const OWNER_ONLY = 0o600;

function tightenMode(path: string): void {
  try {
    if ((statSync(path).mode & 0o777) !== OWNER_ONLY) chmodSync(path, OWNER_ONLY);
  } catch {
    // not written yet: the first write creates it with the mode above
  }
}

export function createProfileStore(home: string): ProfileStore {
  const conf = new Conf<SettingsFile>({
    cwd: home,
    configName: 'settings',
    projectName: 'ultrabase',
    defaults: { servers: {}, settings: DEFAULT_SETTINGS },
    // Dots are legal in nothing we key by, but ids are opaque: never let them be paths.
    accessPropertiesByDotNotation: false,
    // Hosts, user names and key paths are an inventory for an attacker: owner only. conf writes
    // through `atomically` (temp file, fsync, rename), which applies this mode to every write.
    configFileMode: OWNER_ONLY,
  });
  // conf sets the mode only when it writes: tighten a file an older version left 0644 now.
  tightenMode(conf.path);
  return {
    path: conf.path,
    list: () =>
      Object.values(conf.get('servers')).sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
    get: (id) => conf.get('servers')[id],
    put: (profile) => conf.set('servers', { ...conf.get('servers'), [profile.id]: profile }),
    remove: (id) => {
      const servers = { ...conf.get('servers') };
      delete servers[id];
      conf.set('servers', servers);
    },
    settings: () => ({ ...DEFAULT_SETTINGS, ...conf.get('settings') }),
    updateSettings: (patch) => {
      const next = { ...DEFAULT_SETTINGS, ...conf.get('settings'), ...patch };
      conf.set('settings', next);
      return next;
    },
  };
}
