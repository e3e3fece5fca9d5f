import { Redactor } from '@common/redact';
import { describe, expect, it } from 'vitest';
import { createRedactingLogger, type Logger } from './logger';

describe('redacting logger', () => {
  const redactor = new Redactor();
  redactor.addSecret('hunter2-very-secret');
  redactor.addSecret('tok_abcdef');
  it('removes known secret values anywhere and secret-named fields from every record', () => {
    const seen: unknown[] = [];
    const inner: Logger = { info: (m, f) => seen.push(m, f), warn: () => {}, error: () => {} };
    createRedactingLogger(inner, redactor).info('login with hunter2-very-secret', {
      host: 'h',
      keyPath: '/home/a/.ssh/id_ed25519',
      note: 'pw is hunter2-very-secret!',
      password: 'x1',
      nested: { list: ['tok_abcdef'], agentToken: 'y' },
    });
    expect(seen).toEqual([
      'login with [redacted]',
      {
        host: 'h',
        keyPath: '/home/a/.ssh/id_ed25519',
        note: 'pw is [redacted]!',
        password: '[redacted]',
        nested: { list: ['[redacted]'], agentToken: '[redacted]' },
      },
    ]);
  });
});
