import { describe, expect, it } from 'vitest';
import { formatLogLine } from './formatLine';
import { neutraliseTerminalControls } from './sanitize';

const ESC = '\x1b';
const clean = neutraliseTerminalControls;

describe('neutraliseTerminalControls (security finding 22)', () => {
  it('keeps plain text, tabs, newlines and SGR colours as the service wrote them', () => {
    expect(clean('hello\tworld')).toBe('hello\tworld');
    expect(clean('a\nb')).toBe('a\nb');
    expect(clean(`${ESC}[31mred${ESC}[0m ${ESC}[1;32mbold green${ESC}[m`)).toBe(
      `${ESC}[31mred${ESC}[0m ${ESC}[1;32mbold green${ESC}[m`,
    );
    expect(clean(`${ESC}[38;5;208morange${ESC}[38;2;10;20;30mrgb${ESC}[0m`)).toBe(
      `${ESC}[38;5;208morange${ESC}[38;2;10;20;30mrgb${ESC}[0m`,
    );
    expect(clean('São Paulo — ação ✓')).toBe('São Paulo — ação ✓');
  });

  it('drops cursor movement and erasing, which could overwrite or hide earlier lines', () => {
    expect(clean(`x${ESC}[2J${ESC}[H${ESC}[1A${ESC}[2K${ESC}[10;20Hy`)).toBe('xy');
    expect(clean(`x${ESC}[?1049h${ESC}[?25ly`)).toBe('xy');
    expect(clean(`x${ESC}[6ny`)).toBe('xy'); // device status report: would answer on stdin
  });

  it('drops carriage returns and backspaces, which forge the start of a line', () => {
    expect(clean('ERROR real\r INFO forged')).toBe('ERROR real INFO forged');
    expect(clean('abc\b\b\bxyz')).toBe('abcxyz');
    expect(clean('bell\x07 del\x7f nul\x00')).toBe('bell del nul');
  });

  it('drops OSC 8 hyperlinks (keeping their visible text) and every other OSC', () => {
    const link = `${ESC}]8;;https://evil.example/${ESC}\\https://bank.example/${ESC}]8;;${ESC}\\`;
    expect(clean(`see ${link} now`)).toBe('see https://bank.example/ now');
    expect(clean(`${ESC}]8;;https://evil.example/\x07click${ESC}]8;;\x07`)).toBe('click');
    expect(clean(`${ESC}]0;new window title\x07text`)).toBe('text');
    expect(clean(`${ESC}]52;c;SGVsbG8=\x07text`)).toBe('text'); // clipboard write
  });

  it('drops DCS, APC, PM and SOS strings with their payload', () => {
    expect(clean(`a${ESC}P+q544e${ESC}\\b`)).toBe('ab');
    expect(clean(`a${ESC}_payload${ESC}\\b`)).toBe('ab');
    expect(clean(`a${ESC}^privacy${ESC}\\b`)).toBe('ab');
    expect(clean(`a${ESC}Xstring${ESC}\\b`)).toBe('ab');
  });

  it('drops an unterminated string sequence to the end rather than letting it swallow later lines', () => {
    expect(clean(`a${ESC}]8;;https://evil.example/ never ends`)).toBe('a');
  });

  it('drops 8-bit C1 controls (CSI, OSC, DCS as single characters)', () => {
    expect(clean('a\x9b2Jb')).toBe('a2Jb');
    expect(clean('a\x9d0;title\x07b')).toBe('a0;titleb');
    expect(clean('a\x90b\x85c')).toBe('abc');
  });

  it('drops other escapes: full reset, charset switches, save/restore cursor, a lone ESC', () => {
    expect(clean(`a${ESC}cb`)).toBe('ab');
    expect(clean(`a${ESC}(0b${ESC}(B`)).toBe('ab');
    expect(clean(`a${ESC}7b${ESC}8c`)).toBe('abc');
    expect(clean(`a${ESC}`)).toBe('a');
  });

  it('drops concealed text (SGR 8) but keeps the colours around it', () => {
    expect(clean(`${ESC}[8msecret${ESC}[0m`)).toBe(`${ESC}[msecret${ESC}[0m`);
    expect(clean(`${ESC}[31;8mx`)).toBe(`${ESC}[31mx`);
    // 8 as part of a 256-colour or RGB argument is a colour, not "conceal".
    expect(clean(`${ESC}[38;5;8mx`)).toBe(`${ESC}[38;5;8mx`);
    expect(clean(`${ESC}[38;2;8;8;8mx`)).toBe(`${ESC}[38;2;8;8;8mx`);
  });
});

describe('formatLogLine neutralises what a container wrote', () => {
  it('cannot clear the screen or move the cursor from a log line', () => {
    const out = formatLogLine(
      {
        service: 'rest',
        stream: 'stdout',
        time: '2026-03-01T12:00:00Z',
        text: `x${ESC}[2J${ESC}[Hy\rz`,
      },
      true,
    );
    expect(out).not.toContain(`${ESC}[2J`);
    expect(out).not.toContain(`${ESC}[H`);
    expect(out.replace(/\r\n$/, '')).not.toContain('\r');
    expect(out).toContain('xyz');
  });

  it('cannot forge a service prefix through the service name', () => {
    const out = formatLogLine(
      { service: `db${ESC}[2K`, stream: 'stdout', time: '2026-03-01T12:00:00Z', text: 'ok' },
      true,
    );
    expect(out).not.toContain(`${ESC}[2K`);
  });
});
