import { randomBytes } from 'node:crypto';
import { signJwt } from '@common/jwt';
import type { InstanceSecrets } from './secrets';

export interface CredentialSources {
  /** n cryptographically random bytes; tests inject a fake. */
  random?: (n: number) => Buffer;
  now?: () => Date;
}

/** The kit's API keys are long-lived bearer JWTs; rotating them means re-rendering the stack. */
export const API_KEY_LIFETIME_YEARS = 10;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Fresh secrets for one instance. Nothing is derived from another instance or reused. */
export function generateCredentials(sources: CredentialSources = {}): InstanceSecrets {
  const random = sources.random ?? randomBytes;
  const now = sources.now?.() ?? new Date();
  const hex = (bytes: number) => random(bytes).toString('hex');
  const alnum = (length: number) => randomAlnum(random, length);

  const jwtSecret = alnum(48);
  const iat = Math.floor(now.getTime() / 1000);
  const expDate = new Date(now);
  expDate.setUTCFullYear(expDate.getUTCFullYear() + API_KEY_LIFETIME_YEARS);
  const exp = Math.floor(expDate.getTime() / 1000);
  const apiKey = (role: 'anon' | 'service_role') =>
    signJwt({ role, iss: 'supabase', iat, exp }, jwtSecret);

  return {
    postgresPassword: hex(16),
    jwtSecret,
    anonKey: apiKey('anon'),
    serviceRoleKey: apiKey('service_role'),
    dashboardUsername: `admin-${hex(4)}`,
    dashboardPassword: alnum(32),
    secretKeyBase: alnum(64),
    vaultEncKey: alnum(32),
    pgMetaCryptoKey: alnum(48),
    logflarePublicToken: alnum(48),
    logflarePrivateToken: alnum(48),
    realtimeDbEncKey: alnum(16),
    poolerTenantId: `ub${hex(8)}`,
    s3AccessKeyId: hex(16),
    s3AccessKeySecret: hex(32),
  };
}

/** Uniform over ALNUM: bytes at or above 248 (= 4 × 62) are dropped instead of wrapped. */
function randomAlnum(random: (n: number) => Buffer, length: number): string {
  const limit = 256 - (256 % ALNUM.length);
  let out = '';
  // A healthy source drops ~3% of bytes; a source that never yields usable bytes is broken.
  for (let round = 0; out.length < length; round++) {
    if (round > 64) throw new Error('The random source returned no usable bytes.');
    for (const byte of random(length)) {
      if (byte < limit) out += ALNUM[byte % ALNUM.length];
      if (out.length === length) break;
    }
  }
  return out;
}
