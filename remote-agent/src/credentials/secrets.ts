import { z } from 'zod';

/**
 * Every secret one Supabase instance needs, as the official self-hosting kit defines them.
 * This schema is also how the registry checks secrets it reads back from disk, so a truncated
 * or hand-edited value is caught before it reaches a container.
 */
const alnum = /^[A-Za-z0-9]+$/;
const hex = /^[0-9a-f]+$/;
const jwt = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export const instanceSecretsSchema = z
  .object({
    /** Hex so it can sit in a postgres:// URL without escaping. */
    postgresPassword: z.string().length(32).regex(hex),
    jwtSecret: z.string().min(32).regex(alnum),
    anonKey: z.string().regex(jwt),
    serviceRoleKey: z.string().regex(jwt),
    /** Kong's basic-auth in front of Studio. */
    dashboardUsername: z.string().regex(/^[a-z0-9-]{3,64}$/),
    dashboardPassword: z.string().min(16).regex(alnum),
    /** Realtime and Supavisor (Phoenix) need at least 64 characters. */
    secretKeyBase: z.string().length(64).regex(alnum),
    /** Supavisor encrypts tenant passwords with AES-256 keyed by exactly these 32 bytes. */
    vaultEncKey: z.string().length(32).regex(alnum),
    pgMetaCryptoKey: z.string().min(32).regex(alnum),
    logflarePublicToken: z.string().min(32).regex(alnum),
    logflarePrivateToken: z.string().min(32).regex(alnum),
    /** Realtime's DB_ENC_KEY is an AES-128 key: exactly 16 bytes (ASCII here). */
    realtimeDbEncKey: z.string().length(16).regex(alnum),
    /** Part of every pooler user name (`postgres.<tenant>`), so lowercase and short. */
    poolerTenantId: z.string().regex(/^[a-z][a-z0-9]{7,31}$/),
    /** Storage's S3 protocol endpoint credentials. */
    s3AccessKeyId: z.string().length(32).regex(hex),
    s3AccessKeySecret: z.string().length(64).regex(hex),
    /** Secret project settings by key (`smtp.password`…): see settings/keys.ts. */
    settings: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export type InstanceSecrets = z.infer<typeof instanceSecretsSchema>;

/** Every secret value, for checks that nothing is shared between instances or leaked to logs. */
export function secretValues(secrets: InstanceSecrets): string[] {
  const {
    dashboardUsername: _notSecret,
    poolerTenantId: _alsoNotSecret,
    settings = {},
    ...rest
  } = secrets;
  return [...Object.values(rest), ...Object.values(settings)];
}
