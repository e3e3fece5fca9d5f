import type { SettingValue } from '@protocol/types';
import { ENV_OVERRIDE_PREFIX, SETTING_KEYS } from './keys';

/** A project's settings as the renderer takes them: what is stored, secrets apart. */
export interface StackSettingsInput {
  /** Non-secret values (the registry's `instance.settings`). */
  values: Readonly<Record<string, SettingValue>>;
  /** Secret values (the instance's 0600 secrets file). */
  secrets: Readonly<Record<string, string>>;
}

/** How a value is written into an environment variable. */
export function envText(value: SettingValue): string {
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

/**
 * The environment variables the project's settings put into one service, as plain text (the
 * caller escapes `$` for compose). Keys nobody set keep the definition's own value; keys with
 * no default appear only once set. Overrides (`env.<service>.<NAME>`) come last.
 */
export function settingsEnvironment(
  service: string,
  settings: StackSettingsInput | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!settings) return out;
  for (const spec of SETTING_KEYS) {
    const value = spec.secret ? settings.secrets[spec.key] : settings.values[spec.key];
    if (value === undefined) continue;
    for (const target of spec.targets) {
      if (target.service === service) out[target.env] = envText(value);
    }
  }
  const prefix = `${ENV_OVERRIDE_PREFIX}${service}.`;
  for (const [key, value] of Object.entries(settings.values)) {
    if (key.startsWith(prefix)) out[key.slice(prefix.length)] = envText(value);
  }
  return out;
}

/** Whether any secret setting is set: the compose file then holds it and is 0600. */
export function holdsSecrets(settings: StackSettingsInput | undefined): boolean {
  return settings !== undefined && Object.keys(settings.secrets).length > 0;
}

/** Every value of every key, defaults filled in (what `settings show` prints). */
export function effectiveSettings(
  values: Readonly<Record<string, SettingValue>>,
): Record<string, SettingValue> {
  const out: Record<string, SettingValue> = {};
  for (const spec of SETTING_KEYS) {
    if (spec.secret) continue;
    const value = values[spec.key] ?? spec.default;
    if (value !== undefined) out[spec.key] = value;
  }
  for (const [key, value] of Object.entries(values)) {
    if (key.startsWith(ENV_OVERRIDE_PREFIX)) out[key] = value;
  }
  return out;
}
