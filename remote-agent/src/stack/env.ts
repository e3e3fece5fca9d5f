import type { InstanceSecrets } from '../credentials/secrets';

/**
 * The instance's secrets as the kit names them in `.env`. The compose file refers to them as
 * `${NAME:?…}`, so the compose file itself holds no secret and a missing or truncated `.env`
 * stops `docker compose` with the variable's name instead of starting services with empty
 * passwords.
 */
export const ENV_NAMES = {
  postgresPassword: 'POSTGRES_PASSWORD',
  jwtSecret: 'JWT_SECRET',
  anonKey: 'ANON_KEY',
  serviceRoleKey: 'SERVICE_ROLE_KEY',
  dashboardUsername: 'DASHBOARD_USERNAME',
  dashboardPassword: 'DASHBOARD_PASSWORD',
  secretKeyBase: 'SECRET_KEY_BASE',
  vaultEncKey: 'VAULT_ENC_KEY',
  pgMetaCryptoKey: 'PG_META_CRYPTO_KEY',
  logflarePublicToken: 'LOGFLARE_PUBLIC_ACCESS_TOKEN',
  logflarePrivateToken: 'LOGFLARE_PRIVATE_ACCESS_TOKEN',
  realtimeDbEncKey: 'REALTIME_DB_ENC_KEY',
  poolerTenantId: 'POOLER_TENANT_ID',
  s3AccessKeyId: 'S3_PROTOCOL_ACCESS_KEY_ID',
  s3AccessKeySecret: 'S3_PROTOCOL_ACCESS_KEY_SECRET',
} as const satisfies Record<GeneratedSecret, string>;

/** The generated secrets; secret settings (`settings`) go into the compose file instead. */
type GeneratedSecret = Exclude<keyof InstanceSecrets, 'settings'>;

export type EnvName = (typeof ENV_NAMES)[keyof typeof ENV_NAMES];

/** A compose reference to a `.env` value that fails loudly when the value is missing. */
export function envRef(name: EnvName): string {
  return `\${${name}:?is missing from .env}`;
}

// Compose v1 and v2 parse .env differently around quotes, `#`, `$` and spaces; generated values
// never contain any of them, and this check keeps it that way.
const ENV_SAFE = /^[A-Za-z0-9._-]+$/;

export function renderEnv(secrets: InstanceSecrets, instanceId: string): string {
  const lines = [
    `# Secrets of Ultrabase instance ${instanceId}. Mode 0600: never copy it into logs or tickets.`,
    '# Postgres role passwords were set once, when the database was first initialised: editing',
    '# POSTGRES_PASSWORD here does not change them (that needs an ALTER ROLE through psql).',
  ];
  for (const [key, name] of Object.entries(ENV_NAMES) as [GeneratedSecret, EnvName][]) {
    const value = secrets[key];
    if (!ENV_SAFE.test(value)) {
      throw new Error(`Secret ${name} has characters a .env file cannot carry safely.`);
    }
    lines.push(`${name}=${value}`);
  }
  return lines.join('\n') + '\n';
}
