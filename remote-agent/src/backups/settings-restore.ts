import type { SettingValue } from '@protocol/types';
import { ENV_OVERRIDE_PREFIX, settingKey } from '../settings/keys';

/** What the settings apply path is given: a key's new value, or null to go back to the default. */
export type SettingChanges = Record<string, SettingValue | null>;

/**
 * Settings that belong to a deployment, not to the project's behaviour: a clone (dev → staging)
 * keeps the TARGET's values for these. The site URL and the redirect allow-list name where this
 * copy of the app lives; an OAuth provider's redirect URI is this deployment's callback; the
 * per-service environment overrides (`env.<service>.<NAME>`) are free-form tuning of one
 * deployment and may hold its URLs. Custom domains are not settings (instance.domains), so they
 * never follow either.
 */
function deploymentOnly(key: string): boolean {
  if (key === 'auth.siteUrl' || key === 'auth.redirectUrls') return true;
  if (/^auth\.external\.[a-z]+\.redirectUri$/.test(key)) return true;
  return key.startsWith(ENV_OVERRIDE_PREFIX);
}

/** A key this agent knows (a backup from a newer agent may hold one it does not). */
function known(key: string): boolean {
  return key.startsWith(ENV_OVERRIDE_PREFIX) || settingKey(key) !== undefined;
}

/**
 * The changes that make a clone's settings follow its source. Everything else follows: auth
 * behaviour (signups, autoconfirm, JWT expiry, mailer paths, rate limits), SMTP host, port,
 * user, sender and admin address, login providers (enabled, client id), SMS provider, API
 * schemas and max rows, Storage's size limit.
 *
 * Secrets never follow: the record read here is the non-secret one (`instance.settings`);
 * secret settings (SMTP password, providers' client secrets, Twilio token) live in the
 * secrets file with the JWT secret, keys and passwords, and the target keeps its own — so a
 * provider or SMTP server that needs a password must be given the target's password there.
 */
export function cloneSettingsChanges(
  source: Readonly<Record<string, SettingValue>>,
  target: Readonly<Record<string, SettingValue>>,
): SettingChanges {
  const changes: SettingChanges = {};
  for (const key of new Set([...Object.keys(source), ...Object.keys(target)])) {
    if (deploymentOnly(key) || !known(key)) continue;
    const from = source[key];
    if (JSON.stringify(from) === JSON.stringify(target[key])) continue;
    changes[key] = from === undefined ? null : from;
  }
  return changes;
}

/**
 * An in-place restore: every setting comes back as it was in the backup (deployment ones too:
 * it is the same deployment), and keys set since are reset. Secret settings and the stack's
 * secrets stay the current ones, so clients' API keys keep working.
 */
export function restoreSettingsChanges(
  backup: Readonly<Record<string, SettingValue>>,
  current: Readonly<Record<string, SettingValue>>,
): SettingChanges {
  const changes: SettingChanges = {};
  for (const key of new Set([...Object.keys(backup), ...Object.keys(current)])) {
    if (!known(key)) continue;
    const from = backup[key];
    if (JSON.stringify(from) === JSON.stringify(current[key])) continue;
    changes[key] = from === undefined ? null : from;
  }
  return changes;
}
