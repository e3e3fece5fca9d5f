import { describe, expect, it } from 'vitest';
import { formatLogLine, plainLogLine, serviceColour } from './formatLine';

describe('formatLogLine', () => {
  const line = {
    service: 'auth',
    stream: 'stdout' as const,
    time: '2026-03-01T12:34:56.789Z',
    text: 'a\nb\n',
  };

  it('ends with CRLF and turns inner newlines into CRLF, the next line under the message', () => {
    const out = formatLogLine(line, false);
    // time (8) + stderr marker (1): the second line starts in column 9, under "a".
    expect(out.endsWith(`a\r\n${' '.repeat(9)}b\r\n`)).toBe(true);
    expect(out).toContain('12:34:56');
  });

  it('prefixes the service in a stable colour when several services share a terminal', () => {
    const out = formatLogLine(line, true);
    expect(out).toContain(`\x1b[${serviceColour('auth')}mauth`);
    expect(serviceColour('auth')).toBe(serviceColour('auth'));
  });

  it('marks stderr lines', () => {
    expect(formatLogLine({ ...line, stream: 'stderr' }, false)).toContain('\x1b[31m!');
  });

  it("styles the prefix with few colour changes: each is a span per row in a flood's redraw", () => {
    // eslint-disable-next-line no-control-regex -- an SGR sequence starts with ESC
    const sgr = (s: string) => s.match(/\x1b\[[0-9;]*m/g) ?? [];
    const plain = { ...line, text: 'ok' };
    // time + marker in one colour, the service in its own, the text in the default.
    expect(sgr(formatLogLine(plain, true))).toHaveLength(3);
    expect(sgr(formatLogLine(plain, false))).toHaveLength(2);
    expect(sgr(formatLogLine({ ...plain, stream: 'stderr' }, true))).toHaveLength(4);
    // It opens with a full reset: a colour or bold the previous message left on stops there.
    expect(formatLogLine(plain, true).startsWith('\x1b[0;90m12:34:56 ')).toBe(true);
  });

  it('downloads as plain text without colours', () => {
    expect(plainLogLine(line)).toBe('2026-03-01T12:34:56.789Z auth stdout a\nb\n');
  });
});
