// DEV ONLY: screenshots of every screen from the preview fixture (invented data, not the real
// core), light and dark, to test-results/screenshots/preview-*.png. The e2e tests write the real
// ones; these cover screens the e2e run cannot reach yet and are labelled as previews.
//   npx tsx test/harness/preview-shots.ts [--small]   (--small: the smallest supported window, 1024×700)
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, SCREENSHOT_DIR } from '../rig/browser';
import { startPreview } from './preview';

const small = process.argv.includes('--small');
const prefix = small ? 'preview-1024' : 'preview';

async function shoot(page: Page, name: string): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await page.evaluate(
      (d) => document.documentElement.classList.toggle('dark', d),
      theme === 'dark',
    );
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${prefix}-${name}-${theme}.png`) });
  }
}

const harness = await startPreview();
const browser = await launchBrowser({
  viewport: small ? { width: 1024, height: 700 } : { width: 1280, height: 800 },
});
try {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const page = await browser.page();
  const nav = (label: string) =>
    page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: new RegExp(`^${label}`) })
      .click();
  await page.goto(`${harness.url}?lines=3000`);
  const first = page.locator('[data-testid="project-card"]').first();
  await first.waitFor();
  await shoot(page, 'projects');

  await page.getByRole('button', { name: 'New project' }).click();
  await page.getByLabel('Project name').fill('acme shop/');
  await shoot(page, 'create-invalid');
  await page.getByLabel('Project name').fill('new-client');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByTestId('creation-progress').waitFor();
  await page.waitForTimeout(500);
  await shoot(page, 'create-progress');
  await page.getByRole('button', { name: 'Continue in background' }).click();

  await first.getByRole('button').first().click();
  await page.getByRole('button', { name: 'Load credentials' }).click();
  await page.getByRole('button', { name: 'Reveal anon key' }).click();
  await shoot(page, 'project');
  await page.getByRole('tab', { name: 'Diagnostics' }).click();
  await page.getByRole('button', { name: 'Run diagnostics' }).click();
  await page.getByRole('button', { name: 'Repair…' }).click();
  await page.getByTestId('repair-plan').waitFor();
  await shoot(page, 'diagnostics');
  await page.getByRole('tab', { name: 'Usage' }).click();
  await page.getByTestId('usage-table').waitFor();
  await shoot(page, 'usage');

  await page.locator('#main').getByRole('button', { name: 'Logs', exact: true }).click();
  await page.waitForTimeout(1500);
  await shoot(page, 'logs');

  await page.getByTestId('server-production-eu').click();
  await page.getByTestId('fits-more').waitFor();
  await shoot(page, 'server');
  await nav('Users');
  await page
    .locator('[data-testid="user-row"][data-username="bruno"]')
    .getByRole('button', { name: 'Manage' })
    .click();
  await shoot(page, 'users');
  await nav('Settings');
  await shoot(page, 'settings');

  await page.getByRole('button', { name: 'Add server' }).click();
  await page.getByRole('button', { name: 'Import from ~/.ssh/config' }).click();
  await shoot(page, 'add-server');
  console.log(`preview screenshots in ${SCREENSHOT_DIR}`);
} finally {
  await browser.close();
  await harness.close();
}
