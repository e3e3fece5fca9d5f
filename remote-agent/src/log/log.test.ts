import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';
import { REDACTED, Redactor } from '@common/redact';
import { rotatingFileSink } from './sinks';

describe('logger', () => {
  it('writes one JSON object per line with level, time and context', () => {
    const lines: string[] = [];
    const log = createLogger({ sink: (l) => lines.push(l), now: () => new Date(0) });
    log.info('request', { request: 'c1:7', method: 'system.ping' });
    log.debug('hidden');
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'info',
      msg: 'request',
      request: 'c1:7',
      method: 'system.ping',
    });
  });

  it('never writes a registered secret or a value under a secret-sounding key', () => {
    const lines: string[] = [];
    const redactor = new Redactor();
    const log = createLogger({ sink: (l) => lines.push(l), redactor });
    redactor.addSecret('s3cr3t-db-password');
    log.error('connect failed: postgres://postgres:s3cr3t-db-password@db/postgres', {
      nested: { jwtSecret: 'abcdefabcdef', password: 'hunter22', count: 3 },
      token: 'tok',
    });
    const text = lines.join('');
    expect(text).not.toContain('s3cr3t-db-password');
    expect(text).not.toContain('abcdefabcdef');
    expect(text).not.toContain('hunter22');
    const record = JSON.parse(text) as { nested: { count: number }; token: string };
    expect(record.nested.count).toBe(3);
    expect(record.token).toBe(REDACTED);
  });
});

describe('rotatingFileSink', () => {
  it('rotates at the size limit and keeps a bounded number of files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ub-log-'));
    try {
      const file = path.join(dir, 'logs', 'agent.log');
      const sink = rotatingFileSink(file, 100, 2);
      for (let i = 0; i < 20; i++) sink(`${'x'.repeat(38)}${String(i).padStart(2, '0')}\n`);
      expect(readdirSync(path.dirname(file)).sort()).toEqual([
        'agent.log',
        'agent.log.1',
        'agent.log.2',
      ]);
      expect(readFileSync(file, 'utf8')).toContain('19\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
