// HS256 JWTs, as the Supabase services check them: signature with the shared JWT secret, `exp`
// in the future. The claims decide the role (anon, authenticated, service_role).
import { createHmac, timingSafeEqual } from 'node:crypto';

export type JwtClaims = Record<string, unknown> & { role?: string; exp?: number };

export type JwtCheck = { ok: true; claims: JwtClaims } | { ok: false; reason: string };

export function verifyJwt(token: string, secret: string): JwtCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'token is not a JWT' };
  const [header, payload, signature] = parts as [string, string, string];
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature is invalid' };
  }
  let claims: JwtClaims;
  try {
    const alg = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string }).alg;
    if (alg !== 'HS256') return { ok: false, reason: `unsupported algorithm ${String(alg)}` };
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JwtClaims;
  } catch {
    return { ok: false, reason: 'token is not valid JSON' };
  }
  if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) {
    return { ok: false, reason: 'token has expired' };
  }
  return { ok: true, claims };
}

/** The bearer token of a request, from `Authorization: Bearer …`. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return match?.[1];
}
