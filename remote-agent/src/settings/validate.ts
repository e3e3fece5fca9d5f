import { isIP } from 'node:net';
import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { SettingValue } from '@protocol/types';
import { stackServices } from '../stack/services';
import { ENV_OVERRIDE_PREFIX, keyForEnv, settingKey, type SettingKey } from './keys';

/** Longest value any setting takes: an allow-list of URLs is the biggest legitimate one. */
export const MAX_VALUE_LENGTH = 8192;

/** A change as it arrives: a typed value, a string (CLI `key=value`), or null to reset. */
export type RawSettingValue = SettingValue | null;

function invalid(field: string, why: string): AgentError {
  return new AgentError(ErrorCode.INVALID_SETTINGS, `${field}: ${why}`, { field });
}

/**
 * Checks one change and returns the value to store (null: back to the default). Strings are
 * accepted for every kind, so `ultrabase settings set auth.jwtExpiry=7200` needs no types.
 * Nothing that reaches `.env` or YAML may carry a newline or other control character.
 */
export function parseSetting(key: string, raw: RawSettingValue): SettingValue | null {
  if (key.startsWith(ENV_OVERRIDE_PREFIX)) {
    checkEnvOverrideKey(key);
    if (raw === null) return null;
    return text(key, raw);
  }
  const spec = settingKey(key);
  if (!spec) {
    throw new AgentError(ErrorCode.INVALID_SETTINGS, `There is no setting "${key}".`, {
      field: key,
    });
  }
  if (raw === null) return null;
  return parseByKind(spec, raw);
}

function parseByKind(spec: SettingKey, raw: SettingValue): SettingValue {
  const field = spec.key;
  switch (spec.kind) {
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw invalid(field, 'expected true or false.');
    }
    case 'int':
    case 'port': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : NaN;
      const [min, max] = spec.kind === 'port' ? [1, 65535] : [spec.min ?? 0, spec.max ?? 2 ** 31];
      if (!Number.isInteger(n) || n < min || n > max) {
        throw invalid(field, `expected a whole number from ${min} to ${max}.`);
      }
      return n;
    }
    case 'url':
      return url(field, text(field, raw));
    case 'url-list':
      return list(field, raw).map((entry) => allowListEntry(field, entry));
    case 'ident-list': {
      const items = list(field, raw);
      if (items.length === 0) throw invalid(field, 'name at least one schema.');
      for (const item of items) {
        if (!/^[a-z_][a-z0-9_]{0,62}$/.test(item)) {
          throw invalid(field, `"${item}" is not a schema name (a-z, 0-9, _).`);
        }
      }
      return items;
    }
    case 'host': {
      const value = text(field, raw);
      if (!isHostName(value)) throw invalid(field, `"${value}" is not a host name or IP address.`);
      return value;
    }
    case 'email': {
      const value = text(field, raw);
      if (!/^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[A-Za-z0-9-]+$/.test(value)) {
        throw invalid(field, `"${value}" is not an email address.`);
      }
      return value;
    }
    case 'path': {
      const value = text(field, raw);
      if (!/^\/[A-Za-z0-9._~\-/]*$/.test(value)) {
        throw invalid(field, 'expected a path starting with "/" (letters, digits, . _ ~ - /).');
      }
      return value;
    }
    case 'enum': {
      const value = text(field, raw);
      if (!spec.options?.includes(value)) {
        throw invalid(field, `expected one of ${spec.options?.join(', ')}.`);
      }
      return value;
    }
    case 'text':
      return text(field, raw);
  }
}

/** Any text a setting holds: one line, printable, bounded. */
function text(field: string, raw: SettingValue): string {
  if (typeof raw !== 'string') throw invalid(field, 'expected text.');
  if (raw.length > MAX_VALUE_LENGTH) {
    throw invalid(field, `longer than ${MAX_VALUE_LENGTH} characters.`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) {
    throw invalid(field, 'must be one line without control characters.');
  }
  return raw;
}

function list(field: string, raw: SettingValue): string[] {
  const items = Array.isArray(raw)
    ? raw
    : typeof raw === 'string'
      ? raw.split(',').map((s) => s.trim())
      : null;
  if (!items) throw invalid(field, 'expected a list (comma-separated).');
  const out = items.filter((s) => s !== '').map((s) => text(field, s));
  // The list is written comma-joined: an entry with a comma would become two.
  for (const s of out) if (s.includes(',')) throw invalid(field, `"${s}" contains a comma.`);
  return out;
}

function url(field: string, value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw invalid(field, `"${value}" is not a URL.`);
  }
  if (
    !['http:', 'https:'].includes(parsed.protocol) &&
    !/^[a-z][a-z0-9+.-]*:$/.test(parsed.protocol)
  ) {
    throw invalid(field, `"${value}" is not a URL.`);
  }
  if (/\s/.test(value)) throw invalid(field, `"${value}" contains a space.`);
  return value;
}

/** GoTrue's allow-list takes globs (`https://*.example.com/**`): a URL once the stars are gone. */
function allowListEntry(field: string, value: string): string {
  url(field, value.replaceAll('**', 'x').replaceAll('*', 'x'));
  return value;
}

function isHostName(value: string): boolean {
  if (isIP(value)) return true;
  return (
    value.length <= 253 &&
    /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(
      value,
    )
  );
}

// Names that look like credentials: an override would store them unprotected in the registry.
const SECRET_LIKE = /(PASSWORD|PASS$|SECRET|_KEY$|^KEY$|TOKEN|JWT)/;

/**
 * `env.<service>.<NAME>`: a service of the stack and a variable name that cannot break `.env`
 * or YAML. Names the agent writes itself (passwords, keys, internal URLs, ports) are refused
 * with MANAGED_SETTING, and the message names the setting key when one covers the variable.
 */
export function checkEnvOverrideKey(key: string): { service: string; name: string } {
  const match = /^env\.([a-z]+)\.([A-Za-z_][A-Za-z0-9_]{0,127})$/.exec(key);
  if (!match) {
    throw invalid(key, 'expected env.<service>.<NAME> with NAME made of A-Z, 0-9 and _.');
  }
  const [, service, name] = match as unknown as [string, string, string];
  const definition = stackServices(true).find((s) => s.name === service);
  if (!definition) throw invalid(key, `there is no service "${service}" in the stack.`);
  const covered = keyForEnv(service, name);
  if (covered) {
    throw new AgentError(
      ErrorCode.MANAGED_SETTING,
      `${name} of ${service} is a setting of its own: change "${covered.key}" instead.`,
      { field: key, setting: covered.key },
    );
  }
  if (managedNames(service).has(name) || SECRET_LIKE.test(name.toUpperCase())) {
    throw new AgentError(
      ErrorCode.MANAGED_SETTING,
      `${name} of ${service} is managed by Ultrabase (passwords, keys, internal URLs and ports ` +
        'are); it cannot be overridden.',
      { field: key },
    );
  }
  return { service, name };
}

const managedCache = new Map<string, Set<string>>();

/** Every variable the service's own definition writes: the agent's to manage. */
function managedNames(service: string): Set<string> {
  let names = managedCache.get(service);
  if (!names) {
    const definition = stackServices(true).find((s) => s.name === service);
    const body = definition?.compose({ name: 'x', publicUrl: 'http://x', enableLogs: true });
    const env = body?.environment;
    names = new Set(env && typeof env === 'object' && !Array.isArray(env) ? Object.keys(env) : []);
    managedCache.set(service, names);
  }
  return names;
}
