import { describe, expect, it } from 'vitest';
import { signJwt, verifyJwt } from './jwt';

const secret = 'a-test-secret-that-is-long-enough-0123456789';

describe('signJwt / verifyJwt', () => {
  it('round-trips claims with the same secret', () => {
    const token = signJwt({ role: 'anon', iss: 'supabase', iat: 1, exp: 4102444800 }, secret);
    expect(verifyJwt(token, secret)).toEqual({
      ok: true,
      claims: { role: 'anon', iss: 'supabase', iat: 1, exp: 4102444800 },
    });
  });

  it('produces the standard HS256 encoding (checked against a hand-computed HMAC)', async () => {
    const { createHmac } = await import('node:crypto');
    const token = signJwt({ sub: '1' }, 'k');
    const [h, p, s] = token.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({
      alg: 'HS256',
      typ: 'JWT',
    });
    expect(s).toBe(createHmac('sha256', 'k').update(`${h}.${p}`).digest('base64url'));
  });

  it('refuses another secret, a tampered payload, and foreign algorithms', () => {
    const token = signJwt({ role: 'anon' }, secret);
    expect(verifyJwt(token, `${secret}x`)).toEqual({ ok: false, reason: 'signature' });

    const [h, , s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ role: 'service_role' })).toString('base64url');
    expect(verifyJwt(`${h}.${forged}.${s}`, secret)).toEqual({ ok: false, reason: 'signature' });

    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const [, p] = token.split('.');
    expect(verifyJwt(`${none}.${p}.`, secret)).toEqual({ ok: false, reason: 'algorithm' });
  });

  it('reports malformed tokens instead of throwing', () => {
    expect(verifyJwt('', secret)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyJwt('a.b', secret)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyJwt('!!.??.##', secret)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('checks exp and nbf against the injected clock', () => {
    const token = signJwt({ exp: 2000, nbf: 1000 }, secret);
    const at = (s: number) => ({ now: () => new Date(s * 1000) });
    expect(verifyJwt(token, secret, at(999))).toEqual({ ok: false, reason: 'not-yet-valid' });
    expect(verifyJwt(token, secret, at(1500)).ok).toBe(true);
    expect(verifyJwt(token, secret, at(2000))).toEqual({ ok: false, reason: 'expired' });
  });
});
