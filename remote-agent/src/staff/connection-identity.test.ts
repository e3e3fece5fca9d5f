import { describe, expect, it } from 'vitest';
import { bindConnection, checkBoundIdentity, type BindableSession } from './connection-identity';

const fresh = (): BindableSession => ({ hello: false, tokenHash: undefined, boundTo: undefined });

describe('a staff connection bound to its account', () => {
  it('lets a bound connection log in only as that account', () => {
    const s = fresh();
    bindConnection(s, 'ana');
    expect(() => checkBoundIdentity(s.boundTo, 'ana')).not.toThrow();
    expect(() => checkBoundIdentity(s.boundTo, 'bob')).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
  });

  it('leaves an unbound connection (admin over SSH, the desktop) free to log in as anyone', () => {
    expect(() => checkBoundIdentity(undefined, 'bob')).not.toThrow();
  });

  it('cannot be rebound to another name, once bound', () => {
    const s = fresh();
    bindConnection(s, 'ana');
    bindConnection(s, 'ana');
    expect(() => bindConnection(s, 'bob')).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(s.boundTo).toBe('ana');
  });

  it('is refused after hello or login: a bind is only ever the first message', () => {
    const afterHello = { ...fresh(), hello: true };
    expect(() => bindConnection(afterHello, 'ana')).toThrow(
      expect.objectContaining({ code: 'INVALID_STATE' }),
    );
    const afterLogin = { ...fresh(), tokenHash: 'h' };
    expect(() => bindConnection(afterLogin, 'ana')).toThrow(
      expect.objectContaining({ code: 'INVALID_STATE' }),
    );
    expect(afterHello.boundTo).toBeUndefined();
  });
});
