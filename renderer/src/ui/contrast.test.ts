import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contrast } from './contrast';

// WCAG 2.x contrast of the theme's colour pairs, read from the stylesheet itself, so a palette
// change that breaks AA (4.5:1 for text) fails here before anyone sees it.
const css = readFileSync(new URL('../styles.css', import.meta.url), 'utf8');

function palette(selector: string): Record<string, string> {
  const block = new RegExp(`${selector.replace('.', '\\.')}\\s*\\{([^}]*)\\}`).exec(css)?.[1] ?? '';
  return Object.fromEntries(
    [...block.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1]!, m[2]!]),
  );
}

/** [text, background] pairs the components use. */
const PAIRS: [string, string][] = [
  ['fg', 'bg'],
  ['fg', 'panel'],
  ['fg', 'raised'],
  ['muted', 'bg'],
  ['muted', 'panel'],
  ['muted', 'raised'],
  ['brand-fg', 'brand'], // primary buttons
  ['brand', 'panel'], // links: "Studio ↗", "logs"
  ['brand', 'bg'],
  ['danger-fg', 'danger'], // the Delete button
  ['danger', 'panel'], // danger-ghost Delete, errors
  ['danger', 'bg'],
  ['warn', 'panel'],
  ['warn', 'bg'],
];

describe.each([
  ['light', ':root'],
  ['dark', '.dark'],
])('the %s theme', (_name, selector) => {
  const colours = palette(selector);

  it.each(PAIRS)('%s on %s reaches 4.5:1', (text, background) => {
    expect(colours[text], `--${text}`).toBeDefined();
    expect(colours[background], `--${background}`).toBeDefined();
    expect(contrast(colours[text]!, colours[background]!)).toBeGreaterThanOrEqual(4.5);
  });
});

it('measures like the review did (white on the old greens and reds)', () => {
  expect(contrast('#ffffff', '#1f9d6a')).toBeCloseTo(3.45, 2);
  expect(contrast('#ffffff', '#f87171')).toBeCloseTo(2.77, 2);
});
