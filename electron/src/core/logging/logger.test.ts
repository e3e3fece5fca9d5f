import { describe, expect, it } from 'vitest';
import { createRedactingLogger, redactFields, type Logger } from './logger';

describe('redaction', () => {
  const secrets = new Set(['hunter2-very-secret', 'tok_abcdef']);
  it('removes known secret values anywhere and secret-named fields', () => {
    expect(
      redactFields(
        {
          note: 'pw is hunter2-very-secret!',
          password: 'x1',
          nested: { list: ['tok_abcdef'], agentToken: 'y' },
        },
        secrets,
      ),
    ).toEqual({
      note: 'pw is [redacted]!',
      password: '[redacted]',
      nested: { list: ['[redacted]'], agentToken: '[redacted]' },
    });
  });
  it('applies to every log record', () => {
    const seen: unknown[] = [];
    const inner: Logger = { info: (m, f) => seen.push(m, f), warn: () => {}, error: () => {} };
    createRedactingLogger(inner, secrets).info('login with hunter2-very-secret', { host: 'h' });
    expect(JSON.stringify(seen)).not.toContain('hunter2');
  });
});
