import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HS256 JSON Web Tokens, just enough for Supabase's API keys: the agent signs the anon and
 * service_role keys, and diagnostics check that a key still matches its instance's secret.
 * Written on node:crypto so the agent bundle carries no JWT dependency.
 */

export interface JwtClaims {
  role?: string;
  iss?: string;
  iat?: number;
  exp?: number;
  nbf?: number;
  [claim: string]: unknown;
}

export type JwtVerification =
  | { ok: true; claims: JwtClaims }
  | { ok: false; reason: 'malformed' | 'algorithm' | 'signature' | 'expired' | 'not-yet-valid' };

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

export function signJwt(claims: JwtClaims, secret: string): string {
  const body = `${HEADER}.${base64url(JSON.stringify(claims))}`;
  return `${body}.${hmac(body, secret)}`;
}

/** Checks the signature first, then `exp`/`nbf` against `now`; never throws. */
export function verifyJwt(
  token: string,
  secret: string,
  opts: { now?: () => Date } = {},
): JwtVerification {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];

  const header = parseJson(headerPart);
  if (!header) return { ok: false, reason: 'malformed' };
  // Only HS256 is ever issued here; accepting `alg` from the token is the classic JWT hole.
  if (header.alg !== 'HS256') return { ok: false, reason: 'algorithm' };

  const expected = Buffer.from(hmac(`${headerPart}.${payloadPart}`, secret));
  const given = Buffer.from(signaturePart);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'signature' };
  }

  const claims = parseJson(payloadPart);
  if (!claims) return { ok: false, reason: 'malformed' };
  const nowSeconds = Math.floor((opts.now?.() ?? new Date()).getTime() / 1000);
  if (typeof claims.exp === 'number' && nowSeconds >= claims.exp) {
    return { ok: false, reason: 'expired' };
  }
  if (typeof claims.nbf === 'number' && nowSeconds < claims.nbf) {
    return { ok: false, reason: 'not-yet-valid' };
  }
  return { ok: true, claims };
}

function hmac(data: string, secret: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function parseJson(part: string): JwtClaims | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as JwtClaims)
      : null;
  } catch {
    return null;
  }
}
