import type { SettingValue } from '@contract/api';

/** How a field is edited and checked before anything is sent (the agent checks again). */
export type FieldKind =
  'url' | 'url-list' | 'bool' | 'int' | 'port' | 'host' | 'email' | 'text' | 'list' | 'secret';

export interface FieldSpec {
  key: string;
  kind: FieldKind;
}

export type SectionId = 'auth' | 'providers' | 'api' | 'advanced' | 'secrets';

export const PROVIDERS = [
  'google',
  'github',
  'apple',
  'azure',
  'gitlab',
  'facebook',
  'discord',
] as const;

/** The Auth & email section, in the order shown. */
export const AUTH_FIELDS: FieldSpec[] = [
  { key: 'auth.siteUrl', kind: 'url' },
  { key: 'auth.redirectUrls', kind: 'url-list' },
  { key: 'auth.disableSignup', kind: 'bool' },
  { key: 'auth.emailAutoconfirm', kind: 'bool' },
  { key: 'auth.anonymousSignIns', kind: 'bool' },
  { key: 'auth.jwtExpiry', kind: 'int' },
  { key: 'auth.rateLimitEmailSent', kind: 'int' },
];

export const EMAIL_FIELDS: FieldSpec[] = [
  { key: 'smtp.host', kind: 'host' },
  { key: 'smtp.port', kind: 'port' },
  { key: 'smtp.user', kind: 'text' },
  { key: 'smtp.password', kind: 'secret' },
  { key: 'smtp.adminEmail', kind: 'email' },
  { key: 'smtp.senderName', kind: 'text' },
];

export const API_FIELDS: FieldSpec[] = [
  { key: 'api.schemas', kind: 'list' },
  { key: 'api.maxRows', kind: 'int' },
  { key: 'storage.fileSizeLimit', kind: 'int' },
];

export function providerFields(provider: string): FieldSpec[] {
  const base = `auth.external.${provider}`;
  return [
    { key: `${base}.enabled`, kind: 'bool' },
    { key: `${base}.clientId`, kind: 'text' },
    { key: `${base}.secret`, kind: 'secret' },
    { key: `${base}.redirectUri`, kind: 'url' },
  ];
}

/** Services an override may target (the agent refuses the variables it manages itself). */
export const ENV_SERVICES = [
  'auth',
  'rest',
  'realtime',
  'storage',
  'imgproxy',
  'meta',
  'functions',
  'studio',
  'kong',
  'supavisor',
  'db',
] as const;

/** A stored value as the text in its input. */
export function asText(value: SettingValue | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(', ') : String(value);
}

export type Problem = 'url' | 'port' | 'int' | 'email' | 'host' | 'oneLine' | 'envName' | null;

/** The first thing wrong with a typed value, as a catalogue key under projectSettings.problems. */
export function problemOf(kind: FieldKind, text: string): Problem {
  const value = text.trim();
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) return 'oneLine';
  if (value === '' || kind === 'text' || kind === 'secret' || kind === 'bool' || kind === 'list')
    return null;
  switch (kind) {
    case 'url':
      return isUrl(value) ? null : 'url';
    case 'url-list':
      return value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .every((s) => isUrl(s.replaceAll('*', 'x')))
        ? null
        : 'url';
    case 'port': {
      const n = Number(value);
      return Number.isInteger(n) && n >= 1 && n <= 65535 ? null : 'port';
    }
    case 'int':
      return /^\d+$/.test(value) ? null : 'int';
    case 'email':
      return /^[^\s@]+@[^\s@]+\.[A-Za-z0-9-]+$/.test(value) ? null : 'email';
    case 'host':
      return /^[A-Za-z0-9.:-]+$/.test(value) ? null : 'host';
  }
}

function isUrl(value: string): boolean {
  try {
    new URL(value);
    return !/\s/.test(value);
  } catch {
    return false;
  }
}

export function isEnvName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name);
}
