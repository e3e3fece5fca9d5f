// Smoke test of the browser rig: the built renderer, served over http, rendered by Debian's
// Chromium through playwright-core, with a screenshot to look at.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { launchBrowser, saveScreenshot, type RigBrowser } from './browser';
import { serveStatic, type StaticServer } from './static-server';

const RENDERER_DIR = resolve('dist', 'renderer');

describe('browser (Chromium via playwright-core)', () => {
  let browser: RigBrowser | undefined;
  let server: StaticServer | undefined;

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('renders the built renderer and saves a screenshot', async () => {
    if (!existsSync(resolve(RENDERER_DIR, 'index.html'))) {
      throw new Error(`${RENDERER_DIR}/index.html is missing: run npm run build first`);
    }
    server = await serveStatic(RENDERER_DIR);
    browser = await launchBrowser();
    const page = await browser.page();
    // Uncaught exceptions and failed loads fail the smoke test; console noise is only shown
    // (it belongs to the renderer's own tests). Chromium asks for /favicon.ico by itself.
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) {
        errors.push(`${r.status()} ${r.url()}`);
      }
    });
    page.on('console', (m) => m.type() === 'error' && console.warn(`[renderer] ${m.text()}`));

    // The renderer talks only to window.ultrabase (Electron's preload; the WebSocket harness in
    // e2e tests). This test is about Chromium, not the core: a stand-in whose calls never answer
    // keeps the app on its first screen without depending on any method's result.
    await browser.context.addInitScript(() => {
      const never = (): Promise<never> => new Promise<never>(() => undefined);
      Object.defineProperty(window, 'ultrabase', {
        value: new Proxy(
          {},
          {
            get: (_target, name) =>
              name === 'onEvent' ? () => () => undefined : name === 'then' ? undefined : never,
          },
        ),
      });
    });
    await page.goto(server.url);
    await expect.poll(() => page.title()).toBe('Ultrabase');
    await page.getByText('Ultrabase', { exact: true }).first().waitFor({ state: 'visible' });
    const path = await saveScreenshot(page, 'rig-smoke');
    expect(statSync(path).size).toBeGreaterThan(1000);
    expect(errors).toEqual([]);

    const { userDataDir } = browser;
    await browser.close();
    expect(existsSync(userDataDir)).toBe(false);
  });
});
