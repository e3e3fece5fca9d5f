import { describe, expect, it } from 'vitest';
import { generateCredentials } from '../credentials/generate';
import { ErrorCode } from '@protocol/error-codes';
import type { InstancePorts } from '@protocol/types';
import { renderStack, type StackInput } from '../stack/render';
import { planStackChange } from './plan';
import { effectiveSettings, settingsEnvironment } from './render-env';
import { parseSetting } from './validate';

const ports: InstancePorts = {
  kongHttp: 8017,
  kongHttps: 8417,
  postgres: 5417,
  poolerTransaction: 6417,
};
const secrets = generateCredentials();

function input(
  values: Record<string, never> | Record<string, unknown> = {},
  secretValues = {},
): StackInput {
  return {
    instanceId: 'abc123def',
    name: 'Client site',
    ports,
    exposure: 'private',
    externalHost: null,
    secrets,
    imageOverrides: {},
    projectSettings: { values: values as Record<string, string>, secrets: secretValues },
  };
}

function codeOf(fn: () => unknown): { code: unknown; field: unknown } {
  try {
    fn();
  } catch (error) {
    const e = error as { code?: unknown; data?: { field?: unknown } };
    return { code: e.code, field: e.data?.field };
  }
  return { code: undefined, field: undefined };
}

describe('setting validation', () => {
  it('parses typed values and the strings the CLI sends', () => {
    expect(parseSetting('auth.siteUrl', 'https://app.example.com')).toBe('https://app.example.com');
    expect(parseSetting('smtp.port', '587')).toBe(587);
    expect(parseSetting('auth.disableSignup', 'true')).toBe(true);
    expect(
      parseSetting('auth.redirectUrls', 'https://a.example.com/**, https://b.example.com'),
    ).toEqual(['https://a.example.com/**', 'https://b.example.com']);
    expect(parseSetting('api.schemas', ['public', 'api'])).toEqual(['public', 'api']);
    expect(parseSetting('smtp.password', 'p@ss $word=1')).toBe('p@ss $word=1');
    expect(parseSetting('env.auth.GOTRUE_SECURITY_CAPTCHA_ENABLED', 'true')).toBe('true');
    expect(parseSetting('auth.siteUrl', null)).toBeNull();
  });

  it.each([
    ['auth.siteUrl', 'not a url'],
    ['auth.siteUrl', 'https://ok.example.com\nGOTRUE_X=1'],
    ['smtp.port', '70000'],
    ['smtp.port', 'abc'],
    ['smtp.adminEmail', 'nobody'],
    ['smtp.host', 'mail.example.com; rm -rf /'],
    ['smtp.senderName', 'Shop\r\nBcc: x@example.com'],
    ['auth.jwtExpiry', '5'],
    ['auth.mailerPaths.invite', 'verify'],
    ['api.schemas', 'public,drop table'],
    ['auth.sms.provider', 'carrier-pigeon'],
    ['env.auth.GOTRUE_X', 'a\nb'],
    ['nonsense.key', 'x'],
  ])('refuses %s=%j with INVALID_SETTINGS naming the field', (key, value) => {
    expect(codeOf(() => parseSetting(key, value))).toEqual({
      code: ErrorCode.INVALID_SETTINGS,
      field: key,
    });
  });

  it.each([
    'env.auth.GOTRUE_JWT_SECRET',
    'env.auth.GOTRUE_DB_DATABASE_URL',
    'env.rest.PGRST_DB_URI',
    'env.kong.SUPABASE_ANON_KEY',
    'env.auth.GOTRUE_SITE_URL',
    'env.storage.ANY_PASSWORD',
    'env.auth.GOTRUE_EXTERNAL_KEYCLOAK_SECRET',
  ])('refuses the managed variable %s with MANAGED_SETTING', (key) => {
    expect(codeOf(() => parseSetting(key, 'x'))).toEqual({
      code: ErrorCode.MANAGED_SETTING,
      field: key,
    });
  });

  it('refuses override keys that could break .env or YAML, or name no service', () => {
    for (const key of ['env.auth.A=B', 'env.auth.a b', 'env.nosuch.NAME', 'env.auth']) {
      expect(codeOf(() => parseSetting(key, 'x')).code).toBe(ErrorCode.INVALID_SETTINGS);
    }
  });
});

describe('rendering with settings', () => {
  it('leaves every file byte-identical when nothing is set', () => {
    const plain = renderStack({ ...input(), projectSettings: undefined });
    expect(renderStack(input()).files).toEqual(plain.files);
  });

  it('writes settings into the services that read them, and overrides last', () => {
    const env = settingsEnvironment('auth', {
      values: {
        'auth.siteUrl': 'https://app.example.com',
        'smtp.port': 587,
        'env.auth.GOTRUE_LOG_LEVEL': 'debug',
      },
      secrets: { 'smtp.password': 'pa$$' },
    });
    expect(env).toEqual({
      GOTRUE_SITE_URL: 'https://app.example.com',
      GOTRUE_SMTP_PORT: '587',
      GOTRUE_SMTP_PASS: 'pa$$',
      GOTRUE_LOG_LEVEL: 'debug',
    });
    expect(
      settingsEnvironment('rest', { values: { 'auth.jwtExpiry': 7200 }, secrets: {} }),
    ).toEqual({
      PGRST_APP_SETTINGS_JWT_EXP: '7200',
    });
  });

  it('escapes $ for compose and makes the compose file 0600 once it holds a secret', () => {
    const rendered = renderStack(input({}, { 'smtp.password': 'pa$$word' }));
    const compose = rendered.files.find((f) => f.path === 'docker-compose.yml')!;
    expect(compose.content).toContain('GOTRUE_SMTP_PASS: "pa$$$$word"');
    expect(compose.mode).toBe(0o600);
    expect(renderStack(input()).files.find((f) => f.path === 'docker-compose.yml')!.mode).toBe(
      0o644,
    );
  });

  it('shows defaults for keys nobody set, never a secret', () => {
    const shown = effectiveSettings({ 'auth.siteUrl': 'https://x.example.com' });
    expect(shown['auth.siteUrl']).toBe('https://x.example.com');
    expect(shown['smtp.host']).toBe('supabase-mail');
    expect(shown).not.toHaveProperty('smtp.password');
  });
});

describe('the smallest restart', () => {
  const disk = (stack: ReturnType<typeof renderStack>) =>
    stack.files.map((f) => ({ path: f.path, content: f.content, mode: f.mode }));

  it('recreates only auth for site URL and SMTP', () => {
    const before = renderStack(input());
    const after = renderStack(
      input(
        { 'auth.siteUrl': 'https://app.example.com', 'smtp.host': 'mail.example.com' },
        { 'smtp.password': 'x' },
      ),
    );
    const plan = planStackChange({ before, after, onDisk: disk(before), keys: ['auth.siteUrl'] });
    expect(plan.services).toEqual(['auth']);
    expect(plan.files).toEqual(['docker-compose.yml']);
  });

  it('recreates rest and studio for the API schemas, storage alone for its size limit', () => {
    const before = renderStack(input());
    const schemas = renderStack(input({ 'api.schemas': ['public', 'api'] }));
    expect(
      planStackChange({ before, after: schemas, onDisk: disk(before), keys: [] }).services,
    ).toEqual(['rest', 'studio']);
    const size = renderStack(input({ 'storage.fileSizeLimit': 1024 }));
    expect(
      planStackChange({ before, after: size, onDisk: disk(before), keys: [] }).services,
    ).toEqual(['storage']);
  });

  it('follows a changed .env value and a changed mounted file to the services using them', () => {
    const before = renderStack(input());
    const rotated = renderStack({
      ...input(),
      secrets: { ...secrets, dashboardPassword: 'n'.repeat(24) },
    });
    const plan = planStackChange({ before, after: rotated, onDisk: disk(before), keys: [] });
    expect(plan.services).toEqual(['kong']);
    expect(plan.files.sort()).toEqual(['.env', 'volumes/api/kong.yml']);
  });

  it('rewrites a damaged file without restarting anything when the facts did not change', () => {
    const before = renderStack(input());
    const damaged = disk(before).map((f) => (f.path === '.env' ? { ...f, content: 'x' } : f));
    const plan = planStackChange({ before, after: before, onDisk: damaged, keys: [] });
    expect(plan).toEqual({ keys: [], files: ['.env'], services: [] });
  });
});
