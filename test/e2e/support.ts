// Shared setup for the end-to-end tests: the real desktop core (real keychain, real SSH to the
// rig's VPS hosts, real Docker through the agent), the harness serving the built renderer, and
// Chromium. One stack per test file; scenarios inside a file run in order and build on each other.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import type { UiLanguage } from '@contract/api';
import { createDesktop, type Desktop } from '../../electron/src/core/desktop';
import { launchBrowser, SCREENSHOT_DIR, type RigBrowser } from '../rig/browser';
import { startHarness, type Harness } from '../harness/server';

export const AGENT_BUNDLE = resolve('dist/agent/agent.cjs');
export const RENDERER_DIR = resolve('dist/renderer');

export function requireBuild(): void {
  for (const path of [AGENT_BUNDLE, join(RENDERER_DIR, 'index.html')]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first`);
  }
}

export interface Stack {
  desktop: Desktop;
  harness: Harness;
  browser: RigBrowser;
  page: Page;
  home: string;
  /** Console errors and uncaught page errors seen so far (tests assert there are none). */
  pageErrors: string[];
  close(): Promise<void>;
}

export async function startStack(
  opts: {
    viewport?: { width: number; height: number };
    /** The UI language; pinned (English by default) so tests do not depend on the OS's. */
    language?: UiLanguage;
  } = {},
): Promise<Stack> {
  requireBuild();
  const home = await mkdtemp(join(tmpdir(), 'ube2e-home-'));
  // An empty known_hosts: trust must come from the person, through the UI.
  const knownHostsPath = join(home, 'known_hosts');
  await writeFile(knownHostsPath, '');
  const desktop = createDesktop({
    home,
    agentBundlePath: AGENT_BUNDLE,
    knownHostsPath,
    sshAgentSocket: '',
    localServer: false,
    clientName: 'ultrabase-e2e',
  });
  await desktop.updateSettings({ language: opts.language ?? 'en' });
  const harness = await startHarness({ api: desktop, root: RENDERER_DIR });
  const browser = await launchBrowser({ viewport: opts.viewport ?? { width: 1280, height: 800 } });
  const page = await browser.page();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  await page.goto(harness.url);
  return {
    desktop,
    harness,
    browser,
    page,
    home,
    pageErrors,
    async close() {
      await browser.close().catch(() => undefined);
      await harness.close().catch(() => undefined);
      await desktop.close().catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    },
  };
}

/**
 * axe-core's serious and critical violations on the current screen, in the given theme, as
 * "rule: target" lines. axe is evaluated through the debugging protocol, which the page's CSP
 * (script-src 'self') does not apply to.
 */
export async function accessibilityProblems(
  page: Page,
  theme: 'light' | 'dark',
  /** Only these axe rules (default: all). */
  rules?: readonly string[],
): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) {
    axeSource ??= await readFile(
      createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
      'utf8',
    );
    await page.evaluate(axeSource);
  }
  await page.evaluate(
    (dark) => document.documentElement.classList.toggle('dark', dark),
    theme === 'dark',
  );
  await page.waitForTimeout(300);
  return page.evaluate(async (only) => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            ctx: Document,
            o: object,
          ): Promise<{
            violations: { id: string; impact?: string; nodes: { target: unknown[] }[] }[];
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, {
      resultTypes: ['violations'],
      ...(only ? { runOnly: { type: 'rule', values: only } } : {}),
    });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .flatMap((v) => v.nodes.map((n) => `${v.id}: ${JSON.stringify(n.target)}`));
  }, rules ?? null);
}
let axeSource: string | undefined;

/** The axe rules whose verdict depends on the colours: all a second theme can change. */
const COLOUR_RULES = ['color-contrast', 'link-in-text-block'] as const;

/**
 * A scenario's key screen: its pictures in light and dark, and axe-core with no serious or
 * critical violation (every rule in light, the colour rules again in dark, which is all a theme
 * changes). Throws with each problem and the theme it was seen in; leaves the theme as it was.
 */
export async function checkScreen(page: Page, name: string): Promise<void> {
  await shoot(page, name);
  const wasDark = await page.evaluate(() => document.documentElement.classList.contains('dark'));
  const problems = [
    ...(await accessibilityProblems(page, 'light')).map((p) => `light ${p}`),
    ...(await accessibilityProblems(page, 'dark', COLOUR_RULES)).map((p) => `dark ${p}`),
  ];
  await page.evaluate((dark) => document.documentElement.classList.toggle('dark', dark), wasDark);
  if (problems.length > 0) {
    throw new Error(
      `axe-core on ${name} (${await page.evaluate(() => document.documentElement.lang)}):\n${problems.join('\n')}`,
    );
  }
}

/** Writes `<name>-light.png` and `<name>-dark.png` of the current screen. */
export async function shoot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const wasDark = await page.evaluate(() => document.documentElement.classList.contains('dark'));
  for (const theme of ['light', 'dark'] as const) {
    await page.evaluate(
      (dark) => document.documentElement.classList.toggle('dark', dark),
      theme === 'dark',
    );
    // Buttons animate their colours (150 ms); let them settle before the picture.
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${theme}.png`) });
  }
  await page.evaluate((dark) => document.documentElement.classList.toggle('dark', dark), wasDark);
}
