import type { ITheme } from '@xterm/xterm';

/**
 * The log terminal's colours, all 16 ANSI colours set so that every one a service or the prefix
 * uses reads at ≥ 4.5:1 on the background (xterm's defaults do not: its blue is 4.0:1 on black,
 * and the old light theme left magenta at 3.18:1 and dimmed timestamps at 3.25:1).
 * terminalThemes.test.ts measures them.
 */
export const darkTerminal = {
  background: '#0e0e0e',
  foreground: '#d4d4d4',
  cursor: '#0e0e0e',
  selectionBackground: '#3ecf8e55',
  black: '#71717a',
  red: '#f87171',
  green: '#4ade80',
  yellow: '#facc15',
  blue: '#60a5fa',
  magenta: '#e879f9',
  cyan: '#22d3ee',
  white: '#e5e5e5',
  brightBlack: '#a1a1aa',
  brightRed: '#fca5a5',
  brightGreen: '#86efac',
  brightYellow: '#fde047',
  brightBlue: '#93c5fd',
  brightMagenta: '#f0abfc',
  brightCyan: '#67e8f9',
  brightWhite: '#fafafa',
} satisfies ITheme;

export const lightTerminal = {
  background: '#fbfbfb',
  foreground: '#1c1e21',
  cursor: '#fbfbfb',
  selectionBackground: '#15803d44',
  black: '#1c1e21',
  red: '#b91c1c',
  green: '#15803d',
  yellow: '#a16207',
  blue: '#1d4ed8',
  magenta: '#a21caf',
  cyan: '#0e7490',
  // "White" text on a light background would vanish: a dark grey keeps it readable.
  white: '#52525b',
  brightBlack: '#5f6673',
  brightRed: '#991b1b',
  brightGreen: '#166534',
  brightYellow: '#854d0e',
  brightBlue: '#1e40af',
  brightMagenta: '#86198f',
  brightCyan: '#155e75',
  brightWhite: '#3f3f46',
} satisfies ITheme;
