import { describe, expect, it } from 'vitest';
import { contrast } from '../ui/contrast';
import { darkTerminal, lightTerminal } from './terminalThemes';

const TEXT = [
  'foreground',
  'red',
  'green',
  'yellow',
  'blue',
  'magenta',
  'cyan',
  'brightBlack',
  'brightRed',
  'brightGreen',
  'brightYellow',
  'brightBlue',
  'brightMagenta',
  'brightCyan',
] as const;

describe.each([
  ['dark', darkTerminal],
  ['light', lightTerminal],
])('the %s log terminal', (_name, theme) => {
  it.each(TEXT)('%s reads at 4.5:1 or more on the background', (colour) => {
    expect(contrast(theme[colour], theme.background)).toBeGreaterThanOrEqual(4.5);
  });
});
