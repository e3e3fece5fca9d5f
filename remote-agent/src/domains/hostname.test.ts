import { describe, expect, it } from 'vitest';
import { normalizeAllowList, normalizeHostname } from './hostname';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('normalizeHostname', () => {
  it('folds case and drops a trailing dot', () => {
    expect(normalizeHostname(' API.Acme.Test. ')).toBe('api.acme.test');
  });

  it.each([
    [''],
    ['localhost'],
    ['203.0.113.9'],
    ['[::1]'],
    ['*.acme.test'],
    ['-api.acme.test'],
    ['api..acme.test'],
    ['api_acme.test'],
    ['api.acme.123'],
    ['a;rm -rf /.test'],
    [`${'a'.repeat(64)}.test`],
    [`${'abc.'.repeat(64)}test`],
  ])('refuses %j with INVALID_HOSTNAME', (input) => {
    expect(codeOf(() => normalizeHostname(input))).toBe('INVALID_HOSTNAME');
  });
});

describe('normalizeAllowList', () => {
  it('keeps addresses and ranges, once each', () => {
    expect(
      normalizeAllowList(['10.0.0.0/8', ' 203.0.113.7 ', '10.0.0.0/8', '2001:db8::/32']),
    ).toEqual(['10.0.0.0/8', '203.0.113.7', '2001:db8::/32']);
  });

  it.each([['10.0.0.0/33'], ['example.com'], ['10.0.0.0/8/1'], ['::1/129']])(
    'refuses %j',
    (input) => {
      expect(codeOf(() => normalizeAllowList([input]))).toBe('INVALID_PARAMS');
    },
  );
});
