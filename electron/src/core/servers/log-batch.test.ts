import { describe, expect, it } from 'vitest';
import { linesOfBatch } from './log-batch';

describe('linesOfBatch', () => {
  const line = { service: 'db', stream: 'stdout' as const, time: 't1', text: 'a' };

  it('passes plain LogLine[] batches through (reads without follow, older agents)', () => {
    expect(linesOfBatch([line])).toEqual({ lines: [line], source: undefined });
  });

  it('turns json-file records into lines of their service without the final newline', () => {
    const got = linesOfBatch({
      source: 'file',
      service: 'auth',
      records: [
        { log: 'one\n', stream: 'stdout', time: 't1' },
        { log: 'two\r\n', stream: 'stderr', time: 't2' },
        { log: 'partial', stream: 'stdout', time: 't3' },
      ],
    });
    expect(got.source).toBe('file');
    expect(got.lines).toEqual([
      { service: 'auth', stream: 'stdout', time: 't1', text: 'one' },
      { service: 'auth', stream: 'stderr', time: 't2', text: 'two' },
      { service: 'auth', stream: 'stdout', time: 't3', text: 'partial' },
    ]);
  });

  it('says when the agent fell back to the Engine API', () => {
    expect(linesOfBatch({ source: 'engine', lines: [line] })).toEqual({
      lines: [line],
      source: 'engine',
    });
  });
});
