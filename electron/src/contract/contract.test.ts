import { describe, expect, it } from 'vitest';
import { DESKTOP_METHODS, desktopMethods } from './api';
import { isError, isErrorCode, toApiError, UltrabaseError } from './errors';
import { validateCall } from './validate-call';

describe('desktop methods', () => {
  it('accept an omitted optional tail and refuse an extra argument', () => {
    expect(validateCall('listProjects', [])).toMatchObject({ ok: true, args: [undefined] });
    expect(validateCall('listProjects', ['s1'])).toMatchObject({ ok: true, args: ['s1'] });
    expect(validateCall('repairProject', ['s1', 'i1'])).toMatchObject({ ok: true });
    expect(validateCall('repairProject', ['s1', 'i1', { dryRun: true }])).toMatchObject({
      ok: true,
    });
    expect(validateCall('repairProject', ['s1', 'i1', {}, 'extra'])).toMatchObject({
      ok: false,
      error: { code: 'INVALID_PARAMS' },
    });
    expect(validateCall('listServers', ['x'])).toMatchObject({ ok: false });
  });

  it('refuse a missing required argument, even with the tail present', () => {
    expect(validateCall('repairProject', ['s1'])).toMatchObject({
      ok: false,
      error: { code: 'INVALID_PARAMS' },
    });
  });

  it('know their arity from their own definition', () => {
    expect(desktopMethods.followLogs.arity).toBe(3);
    expect(desktopMethods.listServers.arity).toBe(0);
    for (const method of DESKTOP_METHODS) {
      const tooMany = Array<string>(desktopMethods[method].arity + 1).fill('x');
      expect(validateCall(method, tooMany).ok, method).toBe(false);
    }
  });

  it('take a staff access flag on a server and the staff member input, nothing looser', () => {
    const server = { name: 'agency', host: '203.0.113.20', auth: 'key', keyPath: '/k' };
    expect(validateCall('addServer', [{ ...server, access: 'staff' }]).ok).toBe(true);
    expect(validateCall('updateServer', ['s1', { access: 'full' }]).ok).toBe(true);
    expect(validateCall('addServer', [{ ...server, access: 'root' }]).ok).toBe(false);
    const member = {
      username: 'ana',
      password: 'pw-ana-123',
      role: 'user',
      publicKey: 'ssh-ed25519 AAAA',
    };
    expect(validateCall('addStaff', ['s1', member]).ok).toBe(true);
    expect(validateCall('addStaff', ['s1', { ...member, role: 'root' }]).ok).toBe(false);
    expect(validateCall('addStaff', ['s1', { ...member, shell: '/bin/sh' }]).ok).toBe(false);
    expect(validateCall('addStaff', ['s1', { ...member, publicKey: 'x'.repeat(5000) }]).ok).toBe(
      false,
    );
    expect(validateCall('removeStaff', ['s1', 'ana']).ok).toBe(true);
  });

  it('refuse an unknown method and a non-list', () => {
    expect(validateCall('constructor', [])).toMatchObject({
      ok: false,
      error: { code: 'METHOD_NOT_FOUND' },
    });
    expect(validateCall('listServers', {})).toMatchObject({
      ok: false,
      error: { code: 'INVALID_PARAMS' },
    });
  });
});

describe('errors', () => {
  const changed = new UltrabaseError('HOST_KEY_CHANGED', 'Changed.', {
    host: 'h',
    port: 22,
    algorithm: 'ssh-ed25519',
    fingerprint: 'SHA256:b',
    expected: 'SHA256:a',
    actual: 'SHA256:b',
  });

  it('narrow a caught value by code with the catalogue data shape', () => {
    const caught: unknown = changed.toJSON();
    expect(isError(caught, 'HOST_KEY_CHANGED')).toBe(true);
    expect(isError(caught, 'HOST_KEY_UNKNOWN')).toBe(false);
    if (isError(caught, 'HOST_KEY_CHANGED')) expect(caught.data?.expected).toBe('SHA256:a');
  });

  it('normalise anything into a plain {code, message, data} without a stack', () => {
    const shape = toApiError(changed);
    expect(shape).toEqual(changed.toJSON());
    expect(Object.keys(shape).sort()).toEqual(['code', 'data', 'message']);
    expect(toApiError(new TypeError('boom'))).toEqual({ code: 'INTERNAL', message: 'boom' });
    expect(toApiError('text')).toEqual({ code: 'INTERNAL', message: 'text' });
    expect(toApiError({ code: 'X', message: 1, data: [1] })).toEqual({
      code: 'X',
      message: 'The desktop app reported an error.',
    });
  });

  it('let only contract codes through when asked (Node errors become INTERNAL)', () => {
    const enoent = Object.assign(new Error('ENOENT: /home/a/secret'), { code: 'ENOENT' });
    expect(isErrorCode('ENOENT')).toBe(false);
    expect(toApiError(enoent, { trusted: isErrorCode, fallbackMessage: 'Unexpected.' })).toEqual({
      code: 'INTERNAL',
      message: 'Unexpected.',
    });
    expect(toApiError(changed, { trusted: isErrorCode }).code).toBe('HOST_KEY_CHANGED');
  });

  it('are checked against the catalogue when built (tsc runs on this file)', () => {
    // @ts-expect-error 'FAILED' is not a code of the contract (the renderer once invented it)
    expect(new UltrabaseError('FAILED', 'x').code).toBe('FAILED');
    // @ts-expect-error HOST_KEY_CHANGED must carry the fingerprints
    expect(new UltrabaseError('HOST_KEY_CHANGED', 'x').data).toBeUndefined();
    // @ts-expect-error SECRET_MISSING names one of the three secrets
    void new UltrabaseError('SECRET_MISSING', 'x', { secret: 'pin' });
    // A code relayed from the wire is only known at run time, and passes.
    const relayed: string = ['NOT_FOUND'][0]!;
    expect(new UltrabaseError(relayed, 'gone').code).toBe('NOT_FOUND');
  });

  it('serialise into a page script and still work (the harness depends on it)', () => {
    const revived = new Function(`return (${toApiError.toString()})`)() as typeof toApiError;
    expect(revived({ code: 'NOT_FOUND', message: 'gone' })).toEqual({
      code: 'NOT_FOUND',
      message: 'gone',
    });
  });
});
