import { describe, expect, it } from 'vitest';
import { formatLogLine } from './formatLine';
import { hangingIndent } from './wrap';

describe('hangingIndent', () => {
  it('leaves a short line alone', () => {
    expect(hangingIndent('short', 20, 4)).toBe('short');
  });

  it('starts continuation rows under the message', () => {
    expect(hangingIndent('abcdefghij', 4, 2)).toBe('abcd\r\n  efgh\r\n  ij');
  });

  it('indents the lines of a multi-line message too', () => {
    expect(hangingIndent('first\nsecond', 20, 3)).toBe('first\r\n   second');
  });

  it('does not count colour sequences, and counts wide characters as two', () => {
    expect(hangingIndent('\x1b[31mabcd\x1b[0mef', 4, 1)).toBe('\x1b[31mabcd\x1b[0m\r\n ef');
    expect(hangingIndent('日本語です', 4, 0)).toBe('日本\r\n語で\r\nす');
    expect(hangingIndent('ação', 3, 0)).toBe('açã\r\no');
  });

  it('expands tabs within the message', () => {
    expect(hangingIndent('a\tb', 20, 0)).toBe('a       b');
  });
});

describe('formatLogLine with the terminal width', () => {
  const line = {
    service: 'auth',
    stream: 'stdout' as const,
    time: '2026-03-01T12:34:56.789Z',
    text: 'x'.repeat(30),
  };

  it('wraps under the message: time (8) + marker (1) + service (10) + "│ " (2) = 21 columns', () => {
    const out = formatLogLine(line, true, 41);
    const rows = out.replace(/\r\n$/, '').split('\r\n');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toBe(' '.repeat(21) + 'x'.repeat(10));
  });

  it('without a width, wraps nothing (as before)', () => {
    expect(formatLogLine(line, true).split('\r\n')).toHaveLength(2);
  });
});

describe('hangingIndent on coloured lines', () => {
  it('keeps a coloured line that fits as it is, and wraps one that does not by visible width', () => {
    const red = '\x1b[31mERROR\x1b[0m ';
    expect(hangingIndent(`${red}${'x'.repeat(14)}`, 20, 2)).toBe(`${red}${'x'.repeat(14)}`);
    expect(hangingIndent(`${red}${'x'.repeat(20)}`, 20, 2)).toBe(
      `${red}${'x'.repeat(14)}\r\n  ${'x'.repeat(6)}`,
    );
  });
});
