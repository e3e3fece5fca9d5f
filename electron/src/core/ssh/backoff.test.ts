import { describe, expect, it } from 'vitest';
import { backoffDelay, isRetryable } from './backoff';
import { shellCommand, shellQuote } from './shell-quote';

describe('backoffDelay', () => {
  it('doubles from the base up to the cap, plus bounded jitter', () => {
    const none = { random: () => 0 };
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, none))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(20, none)).toBe(30_000);
    expect(backoffDelay(0, { random: () => 1 })).toBe(600);
  });
  it('never retries what only the person can fix', () => {
    expect(isRetryable('SSH_AUTH_FAILED')).toBe(false);
    expect(isRetryable('HOST_KEY_CHANGED')).toBe(false);
    expect(isRetryable('INVALID_CREDENTIALS')).toBe(false);
    expect(isRetryable('CONNECTION_LOST')).toBe(true);
    expect(isRetryable('CONNECTION_REFUSED')).toBe(true);
  });
});

describe('shellQuote', () => {
  it('leaves plain words and quotes everything else so the shell sees one literal word', () => {
    expect(shellQuote('/opt/ultrabase/agent.cjs')).toBe('/opt/ultrabase/agent.cjs');
    expect(shellQuote("a b'c;$(rm -rf /)")).toBe(`'a b'\\''c;$(rm -rf /)'`);
    expect(shellCommand(['echo', '', 'x y'])).toBe(`echo '' 'x y'`);
  });
  it('quotes a word with = so a first word can never become an environment assignment', () => {
    expect(shellQuote('LD_PRELOAD=/tmp/x.so')).toBe(`'LD_PRELOAD=/tmp/x.so'`);
    expect(shellCommand(['A=B', 'node'])).toBe(`'A=B' node`);
  });
});
