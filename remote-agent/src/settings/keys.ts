import type { SettingValue } from '@protocol/types';
import type { StackServiceName } from '../stack/services/definition';

/** How a setting's value is checked and written into a service's environment. */
export type SettingKind =
  | 'url'
  | 'url-list'
  | 'bool'
  | 'int'
  | 'port'
  | 'host'
  | 'email'
  | 'text'
  | 'path'
  | 'ident-list'
  | 'enum';

/** Where a setting lands: one environment variable of one service. */
export interface SettingTarget {
  service: StackServiceName;
  env: string;
}

export interface SettingKey {
  key: string;
  kind: SettingKind;
  targets: readonly SettingTarget[];
  /** Kept in the instance's 0600 secrets file, never in the registry, logs or audit entries. */
  secret?: boolean;
  /**
   * The kit's value, rendered when nobody set one: equal to what the service definition holds,
   * so an instance without settings renders byte-identical files. Absent: the variable is only
   * written once set.
   */
  default?: SettingValue;
  min?: number;
  max?: number;
  options?: readonly string[];
}

const auth = (env: string): SettingTarget[] => [{ service: 'auth', env }];

/** The login providers the Settings tab offers; GoTrue reads GOTRUE_EXTERNAL_<NAME>_*. */
export const OAUTH_PROVIDERS = [
  'google',
  'github',
  'apple',
  'azure',
  'gitlab',
  'facebook',
  'discord',
] as const;

function providerKeys(provider: (typeof OAUTH_PROVIDERS)[number]): SettingKey[] {
  const prefix = `GOTRUE_EXTERNAL_${provider.toUpperCase()}`;
  return [
    { key: `auth.external.${provider}.enabled`, kind: 'bool', targets: auth(`${prefix}_ENABLED`) },
    {
      key: `auth.external.${provider}.clientId`,
      kind: 'text',
      targets: auth(`${prefix}_CLIENT_ID`),
    },
    {
      key: `auth.external.${provider}.secret`,
      kind: 'text',
      secret: true,
      targets: auth(`${prefix}_SECRET`),
    },
    {
      key: `auth.external.${provider}.redirectUri`,
      kind: 'url',
      targets: auth(`${prefix}_REDIRECT_URI`),
    },
  ];
}

const API_SCHEMAS: SettingTarget[] = [
  { service: 'rest', env: 'PGRST_DB_SCHEMAS' },
  { service: 'studio', env: 'PGRST_DB_SCHEMAS' },
];
const API_MAX_ROWS: SettingTarget[] = [
  { service: 'rest', env: 'PGRST_DB_MAX_ROWS' },
  { service: 'studio', env: 'PGRST_DB_MAX_ROWS' },
];

/**
 * Every setting a project has, by the key the UI, the CLI and the wire use. Per-service
 * environment overrides (`env.<service>.<NAME>`) are not listed: see env-override.ts.
 */
export const SETTING_KEYS: readonly SettingKey[] = [
  // Auth
  {
    key: 'auth.siteUrl',
    kind: 'url',
    targets: auth('GOTRUE_SITE_URL'),
    default: 'http://localhost:3000',
  },
  {
    key: 'auth.redirectUrls',
    kind: 'url-list',
    targets: auth('GOTRUE_URI_ALLOW_LIST'),
    default: [],
  },
  {
    key: 'auth.disableSignup',
    kind: 'bool',
    targets: auth('GOTRUE_DISABLE_SIGNUP'),
    default: false,
  },
  {
    key: 'auth.emailAutoconfirm',
    kind: 'bool',
    targets: auth('GOTRUE_MAILER_AUTOCONFIRM'),
    default: false,
  },
  {
    key: 'auth.anonymousSignIns',
    kind: 'bool',
    targets: auth('GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED'),
    default: false,
  },
  {
    key: 'auth.jwtExpiry',
    kind: 'int',
    min: 30,
    max: 604_800,
    targets: [...auth('GOTRUE_JWT_EXP'), { service: 'rest', env: 'PGRST_APP_SETTINGS_JWT_EXP' }],
    default: 3600,
  },
  {
    key: 'auth.mailerPaths.invite',
    kind: 'path',
    targets: auth('GOTRUE_MAILER_URLPATHS_INVITE'),
    default: '/auth/v1/verify',
  },
  {
    key: 'auth.mailerPaths.confirmation',
    kind: 'path',
    targets: auth('GOTRUE_MAILER_URLPATHS_CONFIRMATION'),
    default: '/auth/v1/verify',
  },
  {
    key: 'auth.mailerPaths.recovery',
    kind: 'path',
    targets: auth('GOTRUE_MAILER_URLPATHS_RECOVERY'),
    default: '/auth/v1/verify',
  },
  {
    key: 'auth.mailerPaths.emailChange',
    kind: 'path',
    targets: auth('GOTRUE_MAILER_URLPATHS_EMAIL_CHANGE'),
    default: '/auth/v1/verify',
  },
  {
    key: 'auth.rateLimitEmailSent',
    kind: 'int',
    min: 1,
    max: 100_000,
    targets: auth('GOTRUE_RATE_LIMIT_EMAIL_SENT'),
  },
  // Phone / SMS
  {
    key: 'auth.phone.enabled',
    kind: 'bool',
    targets: auth('GOTRUE_EXTERNAL_PHONE_ENABLED'),
    default: true,
  },
  {
    key: 'auth.phone.autoconfirm',
    kind: 'bool',
    targets: auth('GOTRUE_SMS_AUTOCONFIRM'),
    default: true,
  },
  {
    key: 'auth.sms.provider',
    kind: 'enum',
    options: ['twilio', 'twilio_verify', 'messagebird', 'textlocal', 'vonage'],
    targets: auth('GOTRUE_SMS_PROVIDER'),
  },
  {
    key: 'auth.sms.twilio.accountSid',
    kind: 'text',
    targets: auth('GOTRUE_SMS_TWILIO_ACCOUNT_SID'),
  },
  {
    key: 'auth.sms.twilio.messageServiceSid',
    kind: 'text',
    targets: auth('GOTRUE_SMS_TWILIO_MESSAGE_SERVICE_SID'),
  },
  {
    key: 'auth.sms.twilio.authToken',
    kind: 'text',
    secret: true,
    targets: auth('GOTRUE_SMS_TWILIO_AUTH_TOKEN'),
  },
  // OAuth providers
  ...OAUTH_PROVIDERS.flatMap(providerKeys),
  // Email (SMTP); the defaults are the kit's placeholders.
  { key: 'smtp.host', kind: 'host', targets: auth('GOTRUE_SMTP_HOST'), default: 'supabase-mail' },
  { key: 'smtp.port', kind: 'port', targets: auth('GOTRUE_SMTP_PORT'), default: 2500 },
  { key: 'smtp.user', kind: 'text', targets: auth('GOTRUE_SMTP_USER'), default: 'fake_mail_user' },
  {
    key: 'smtp.password',
    kind: 'text',
    secret: true,
    targets: auth('GOTRUE_SMTP_PASS'),
    default: 'fake_mail_password',
  },
  {
    key: 'smtp.adminEmail',
    kind: 'email',
    targets: auth('GOTRUE_SMTP_ADMIN_EMAIL'),
    default: 'admin@example.com',
  },
  {
    key: 'smtp.senderName',
    kind: 'text',
    targets: auth('GOTRUE_SMTP_SENDER_NAME'),
    default: 'fake_sender',
  },
  // API and Storage
  {
    key: 'api.schemas',
    kind: 'ident-list',
    targets: API_SCHEMAS,
    default: ['public', 'storage', 'graphql_public'],
  },
  { key: 'api.maxRows', kind: 'int', min: 1, max: 1_000_000, targets: API_MAX_ROWS, default: 1000 },
  {
    key: 'storage.fileSizeLimit',
    kind: 'int',
    min: 1,
    max: 500 * 1024 ** 3,
    targets: [{ service: 'storage', env: 'FILE_SIZE_LIMIT' }],
    default: 52_428_800,
  },
];

const BY_KEY = new Map(SETTING_KEYS.map((k) => [k.key, k]));

export function settingKey(key: string): SettingKey | undefined {
  return BY_KEY.get(key);
}

/** The setting key that writes this variable of this service, if any (to point people at it). */
export function keyForEnv(service: string, env: string): SettingKey | undefined {
  return SETTING_KEYS.find((k) => k.targets.some((t) => t.service === service && t.env === env));
}

/** The prefix of per-service environment overrides: `env.<service>.<NAME>`. */
export const ENV_OVERRIDE_PREFIX = 'env.';
