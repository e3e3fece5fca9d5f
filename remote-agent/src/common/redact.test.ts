import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from './redact';

describe('Redactor', () => {
  it('replaces values under secret keys and registered values anywhere, keeps the rest', () => {
    const r = new Redactor();
    r.addSecret('s3cr3t-value');
    r.addSecret('abc');
    expect(
      r.redact({
        msg: 'failed with s3cr3t-value inside',
        token: { nested: 1 },
        passwordChanged: true,
        list: ['abc', 's3cr3t-value'],
      }),
    ).toEqual({
      msg: `failed with ${REDACTED} inside`,
      token: REDACTED,
      passwordChanged: true,
      list: ['abc', REDACTED],
    });
  });

  it('keeps names of files and kinds, hides keys and short registered values', () => {
    const r = new Redactor();
    r.addSecret('hunt');
    expect(
      r.redact({ keyPath: '/home/a/.ssh/id', apikey: 'zz', SERVICE_ROLE_KEY: 'x', keys: ['a'] }),
    ).toEqual({
      keyPath: '/home/a/.ssh/id',
      apikey: REDACTED,
      SERVICE_ROLE_KEY: REDACTED,
      keys: REDACTED,
    });
    expect(r.redactText('hunter2')).toBe(`${REDACTED}er2`);
  });

  it('forgets the oldest value past the cap', () => {
    const r = new Redactor({ maxSecrets: 2 });
    for (const s of ['first-secret', 'second-secret', 'third-secret']) r.addSecret(s);
    expect(r.redactText('first-secret third-secret')).toBe(`first-secret ${REDACTED}`);
  });
});
