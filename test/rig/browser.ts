// Debian's Chromium driven by playwright-core (no browser download here: see DESIGN.md §6).
// Each launch gets a fresh user-data dir, so tests never share cookies, storage or cache, and
// close() removes it.
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

// --no-sandbox: tests run as root, where Chromium's sandbox refuses to start. The rest keep a
// headless run quiet and offline: no GPU, no QUIC, no first-run UI, no background fetches.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const SCREENSHOT_DIR = resolve('test-results', 'screenshots');

export interface LaunchOptions {
  viewport?: { width: number; height: number };
  /** Extra Chromium switches, after the rig's own. */
  args?: string[];
  /** WebGL drawn by SwiftShader (software) instead of no GPU at all (the renderer benchmark). */
  softwareGpu?: boolean;
}

export interface RigBrowser {
  context: BrowserContext;
  userDataDir: string;
  /** The context's first page (a persistent context opens with one). */
  page(): Promise<Page>;
  /** Closes Chromium and removes its user-data dir. */
  close(): Promise<void>;
}

const openDirs = new Set<string>();
let exitHookInstalled = false;

export async function launchBrowser(opts: LaunchOptions = {}): Promise<RigBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: run \`bash test/rig/provision\` (as root)`);
  }
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Playwright kills Chromium when this process exits; its profile folder is ours to remove.
    process.once('exit', () => {
      for (const dir of openDirs) rmSync(dir, { recursive: true, force: true });
    });
  }
  const userDataDir = await mkdtemp(join(tmpdir(), `ubt-chromium-${process.pid}-`));
  openDirs.add(userDataDir);
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        ...(opts.softwareGpu
          ? [
              ...CHROMIUM_ARGS.filter((a) => a !== '--disable-gpu'),
              '--use-angle=swiftshader',
              '--enable-unsafe-swiftshader',
            ]
          : CHROMIUM_ARGS),
        ...(opts.args ?? []),
      ],
      viewport: opts.viewport ?? { width: 1280, height: 800 },
    });
  } catch (err) {
    openDirs.delete(userDataDir);
    await rm(userDataDir, { recursive: true, force: true });
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    context,
    userDataDir,
    page: async () => context.pages()[0] ?? (await context.newPage()),
    close: () =>
      (closing ??= (async () => {
        await context.close();
        await rm(userDataDir, { recursive: true, force: true });
        openDirs.delete(userDataDir);
      })()),
  };
}

/** Saves a full-page screenshot to test-results/screenshots/<name>.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await mkdir(dirname(path), { recursive: true });
  await page.screenshot({ path, fullPage: true });
  return path;
}
