import { describe, expect, it } from 'vitest';
import { API_KEY_LIFETIME_YEARS, generateCredentials } from './generate';
import { verifyJwt } from '@common/jwt';
import { instanceSecretsSchema, secretValues } from './secrets';

const NOW = new Date('2026-03-01T12:00:00Z');

describe('generateCredentials', () => {
  it('signs the anon and service keys with the instance JWT secret and the kit claims', () => {
    const s = generateCredentials({ now: () => NOW });
    const iat = Math.floor(NOW.getTime() / 1000);
    const exp = Math.floor(Date.UTC(2026 + API_KEY_LIFETIME_YEARS, 2, 1, 12) / 1000);
    for (const [key, role] of [
      [s.anonKey, 'anon'],
      [s.serviceRoleKey, 'service_role'],
    ] as const) {
      const result = verifyJwt(key, s.jwtSecret, { now: () => NOW });
      expect(result).toEqual({ ok: true, claims: { role, iss: 'supabase', iat, exp } });
      // Still valid years from now, as the kit's keys are.
      const later = new Date(NOW.getTime() + 5 * 365 * 86_400_000);
      expect(verifyJwt(key, s.jwtSecret, { now: () => later }).ok).toBe(true);
    }
  });

  it("keys do not verify against another instance's secret", () => {
    const a = generateCredentials();
    const b = generateCredentials();
    expect(verifyJwt(a.anonKey, b.jwtSecret)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyJwt(a.serviceRoleKey, b.jwtSecret)).toEqual({ ok: false, reason: 'signature' });
  });

  it('has the lengths and alphabets the services require', () => {
    const s = generateCredentials();
    expect(instanceSecretsSchema.parse(s)).toEqual(s);
    expect(s.postgresPassword).toMatch(/^[0-9a-f]{32}$/);
    expect(s.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(s.secretKeyBase).toHaveLength(64);
    expect(s.vaultEncKey).toHaveLength(32);
    expect(s.pgMetaCryptoKey.length).toBeGreaterThanOrEqual(32);
    expect(Buffer.byteLength(s.realtimeDbEncKey, 'utf8')).toBe(16);
    expect(s.logflarePublicToken).not.toBe(s.logflarePrivateToken);
  });

  it('shares no value between two generations, nor between fields of one', () => {
    const a = generateCredentials();
    const b = generateCredentials();
    const all = [...Object.values(a), ...Object.values(b)];
    expect(new Set(all).size).toBe(all.length);
    expect(secretValues(a).length).toBeGreaterThan(10);
  });

  it('draws every value from the injected random source', () => {
    let counter = 0;
    const fake = (n: number) => Buffer.from(Array.from({ length: n }, () => counter++ % 256));
    const first = generateCredentials({ random: fake, now: () => NOW });
    counter = 0;
    const again = generateCredentials({ random: fake, now: () => NOW });
    expect(again).toEqual(first);
    expect(instanceSecretsSchema.safeParse(first).success).toBe(true);
  });

  it('refuses a random source that never yields usable bytes', () => {
    expect(() => generateCredentials({ random: (n) => Buffer.alloc(n, 255) })).toThrow(/random/);
  });
});
