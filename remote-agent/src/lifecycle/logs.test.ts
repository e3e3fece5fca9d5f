import { describe, expect, it } from 'vitest';
import { FakeDockerEngine } from '../docker/fake-engine';
import type { LogLine } from '@protocol/types';
import { followLogs, MAX_READ_BYTES_PER_SERVICE, MAX_READ_LINES_PER_SERVICE } from './logs';

function read(engine: FakeDockerEngine, tail: number): Promise<LogLine[]> {
  const got: LogLine[] = [];
  return new Promise((resolve, reject) => {
    followLogs(
      engine,
      'ub_logs',
      { tail, follow: false },
      {
        write: (lines) => (got.push(...lines), true),
        onDrain: () => undefined,
        end: (error) => (error ? reject(new Error(error.message)) : resolve(got)),
      },
    );
  });
}

describe('a log read without follow (finding 17)', () => {
  it('keeps at most the newest lines of each service, whatever tail asks for', async () => {
    const engine = new FakeDockerEngine();
    const db = engine.startService('ub_logs', 'db', 'x');
    db.log = Array.from({ length: MAX_READ_LINES_PER_SERVICE * 2 }, (_, i) => `line ${i}`);
    const lines = await read(engine, 100_000);
    expect(lines).toHaveLength(MAX_READ_LINES_PER_SERVICE);
    expect(lines.at(-1)?.text).toBe(`line ${MAX_READ_LINES_PER_SERVICE * 2 - 1}`);
  });

  it('caps the bytes held per service too', async () => {
    const engine = new FakeDockerEngine();
    const db = engine.startService('ub_logs', 'db', 'x');
    db.log = Array.from({ length: 2_000 }, (_, i) => `${i} ${'x'.repeat(10_000)}`);
    const lines = await read(engine, 100_000);
    const bytes = lines.reduce((n, l) => n + l.text.length, 0);
    expect(bytes).toBeLessThanOrEqual(MAX_READ_BYTES_PER_SERVICE);
    expect(lines.at(-1)?.text.startsWith('1999 ')).toBe(true);
  });
});
