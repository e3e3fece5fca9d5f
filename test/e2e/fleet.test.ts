// The fleet view end to end: the real core, a rig VPS (sshd in a network namespace, the agent
// installed over SFTP, real Docker and compose running stand-in images), Chromium. Two real
// projects and three dry runs on one server: tags set in the table and stored by the agent,
// the tag filter and search, `/` to search, multi-select and a bulk restart run by the agent
// with its confirmation and per-item progress, CPU and memory read for the rows in view, the
// Docker and Compose versions on the server page; axe-core in light and dark, English and
// Brazilian Portuguese, with the README's pt-BR fleet screenshots.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ProjectView } from '@contract/api';
import { SCREENSHOT_DIR } from '../rig/browser';
import { startHost, type VpsHost } from '../rig/hosts';
import { ensureStandinImages } from '../rig/images';
import { RIG_HEALTHCHECK_INTERVAL_MS } from '../integration/rig-agent';
import { accessibilityProblems, shoot, startStack, type Stack } from './support';

const AGENT_PASSWORD = 'e2e-admin-password-1';
const REAL = ['acme-loja', 'acme-site'];
const DRY = ['sol-blog', 'sol-app', 'vida-crm'];

let stack: Stack;
let host: VpsHost;
let page: Page;
let serverId: string;

const row = (name: string) => page.locator(`[data-testid="project-row"][data-name="${name}"]`);

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function noAxeProblems(): Promise<void> {
  expect(await accessibilityProblems(page, 'light')).toEqual([]);
  expect(await accessibilityProblems(page, 'dark')).toEqual([]);
  await page.evaluate(() => document.documentElement.classList.remove('dark'));
}

beforeAll(async () => {
  const standins = await ensureStandinImages();
  host = await startHost({ dockerView: true });
  await writeFile(
    join(host.dirs.etc, 'agent.json'),
    JSON.stringify({
      images: standins.images,
      autoRepair: false,
      resources: { minFreeMemoryMb: 256, minFreeDiskMb: 256, maxLoadPerCore: 1000 },
      healthcheckIntervalMs: RIG_HEALTHCHECK_INTERVAL_MS,
    }),
  );
  stack = await startStack();
  page = stack.page;
  const d = stack.desktop;
  const server = await d.addServer({
    name: 'vps-fleet',
    host: host.address,
    port: host.port,
    auth: 'key',
    keyPath: host.rootKeyPath,
    secrets: { agentPassword: AGENT_PASSWORD },
  });
  serverId = server.id;
  await d.trustHostKey(serverId, host.hostKeyFingerprint);
  await d.connectServer(serverId);
  for (const name of REAL) await d.createProject(serverId, { name });
  for (const name of DRY) await d.createProject(serverId, { name, dryRun: true });
  await until(
    'the real projects to run',
    async () => {
      const list = await d.listProjects(serverId);
      const failed = list.find((p) => p.status === 'failed');
      if (failed) throw new Error(`${failed.name}: ${JSON.stringify(failed.error)}`);
      return REAL.every((n) => list.find((p) => p.name === n)?.status === 'running')
        ? true
        : undefined;
    },
    600_000,
  );
  await page.reload();
}, 900_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail' || !page) return;
  const name = ctx.task.name.replace(/[^\w]+/g, '-').slice(0, 60);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `fail-${name}.png`) }).catch(() => undefined);
  for (let i = 0; i < 3; i++) await page.keyboard.press('Escape').catch(() => undefined);
});

afterAll(async () => {
  if (stack && serverId) {
    for (const p of await stack.desktop.listProjects(serverId).catch(() => [] as ProjectView[]))
      await stack.desktop.deleteProject(serverId, p.id).catch(() => undefined);
  }
  await stack?.close();
  await host?.stop();
}, 300_000);

describe('fleet view end to end', () => {
  it('switches to the table and keeps the choice in the settings file', async () => {
    await page.getByRole('radio', { name: 'Table' }).click();
    await row('acme-loja').waitFor({ timeout: 60_000 });
    expect((await stack.desktop.getSettings()).projectsLayout).toBe('table');
    await page.reload();
    await row('acme-loja').waitFor({ timeout: 60_000 });
  });

  it('tags a project in the table; the agent stores the tags', async () => {
    await row('acme-loja')
      .getByRole('button', { name: /Edit tags/ })
      .click();
    const dialog = page.getByTestId('tags-dialog');
    await dialog.getByRole('textbox').fill('cliente:acme, env:prod');
    await dialog.getByRole('button', { name: 'Save tags' }).click();
    await row('acme-loja').getByTestId('tag-chips').getByText('cliente:acme').waitFor();
    // A bad tag is refused before it is sent, saying which.
    await row('acme-site')
      .getByRole('button', { name: /Edit tags/ })
      .click();
    await dialog.getByRole('textbox').fill('cliente:acme\nnot a tag');
    await dialog.getByText('"not a tag" is not a valid tag').waitFor();
    expect(await dialog.getByRole('button', { name: 'Save tags' }).isDisabled()).toBe(true);
    await dialog.getByRole('textbox').fill('cliente:acme, env:staging');
    await dialog.getByRole('button', { name: 'Save tags' }).click();
    await row('acme-site').getByTestId('tag-chips').getByText('env:staging').waitFor();
    // Stored by the agent: a fresh read from the server carries them.
    const list = await stack.desktop.listProjects(serverId);
    expect(list.find((p) => p.name === 'acme-loja')!.tags).toEqual(['cliente:acme', 'env:prod']);
  });

  it('filters by tag and searches tags; "/" focuses the search', async () => {
    await page.getByTestId('tag-filter').selectOption('env:prod');
    await expect.poll(() => page.locator('[data-testid="project-row"]').count()).toBe(1);
    await page.getByTestId('tag-filter').selectOption('cliente');
    await expect.poll(() => page.locator('[data-testid="project-row"]').count()).toBe(2);
    await page.getByTestId('tag-filter').selectOption('');
    await page.locator('h1').first().click();
    await page.keyboard.press('/');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).type)).toBe(
      'search',
    );
    await page.keyboard.type('staging');
    await expect.poll(() => page.locator('[data-testid="project-row"]').count()).toBe(1);
    await page.getByRole('searchbox').fill('');
  });

  it('shows CPU and memory for the running projects in view', async () => {
    await until(
      'a memory reading',
      async () =>
        /\d/.test((await row('acme-loja').locator('td').nth(7).textContent()) ?? '')
          ? true
          : undefined,
      60_000,
    );
  });

  it('restarts the selection through the agent, after a confirmation that lists each project', async () => {
    await page.getByRole('checkbox', { name: 'Select every project shown' }).check();
    const bar = page.getByTestId('bulk-bar');
    await bar.getByText('5 projects selected').waitFor();
    await bar.getByRole('button', { name: 'Restart', exact: true }).click();
    const confirm = page.getByTestId('bulk-confirm');
    const plan = confirm.getByTestId('bulk-plan');
    expect(await plan.getByText('will restart').count()).toBe(2);
    expect(await plan.getByText('skipped: a dry run, never created').count()).toBe(3);
    await noAxeProblems();
    await shoot(page, '30-fleet-bulk-confirm');
    await confirm.getByRole('button', { name: 'Restart 2' }).click();
    const job = page.getByTestId('bulk-job');
    await job.waitFor();
    await page.locator('[data-testid="bulk-job"][data-finished="true"]').waitFor({
      timeout: 300_000,
    });
    expect(await page.getByTestId('bulk-progress').textContent()).toContain(
      '2 done, 0 failed, 0 skipped',
    );
    const audit = await stack.desktop.serverAudit(serverId, { limit: 50 });
    expect(audit.filter((e) => e.action === 'instances.restart' && e.detail?.bulk)).toHaveLength(2);
  });

  it('has no serious or critical axe-core violations on the table, light and dark', async () => {
    await noAxeProblems();
    await shoot(page, '31-fleet-table');
  });

  it('shows the Docker and Compose versions on the server page', async () => {
    await page.getByTestId('server-vps-fleet').click();
    await page.getByTestId('fits-more').waitFor();
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).not.toContain('not reported by the agent');
    expect(text).toMatch(/\d+\.\d+\.\d+/);
  });

  it('reads the same in Brazilian Portuguese, with axe clean, and writes the README pictures', async () => {
    await stack.desktop.updateSettings({ language: 'pt-BR' });
    await page.reload();
    await page
      .getByRole('navigation', { name: 'Principal' })
      .getByRole('button', { name: /^Projetos/ })
      .click();
    await row('acme-loja').waitFor({ timeout: 60_000 });
    expect(await page.getByText('Cliente / tags').count()).toBe(1);
    expect(await page.getByText('Memória').count()).toBe(1);
    await noAxeProblems();
    await shoot(page, '23-fleet-table-pt-BR');
    await page.getByRole('checkbox', { name: 'Selecionar todos os projetos exibidos' }).check();
    await page
      .getByTestId('bulk-bar')
      .getByRole('button', { name: 'Diagnosticar', exact: true })
      .click();
    await page.getByTestId('bulk-confirm').getByText('será diagnosticado').first().waitFor();
    await noAxeProblems();
    await shoot(page, '24-fleet-bulk-pt-BR');
    await page.keyboard.press('Escape');
    // The README shows the Portuguese fleet table.
    await mkdir('docs/screenshots', { recursive: true });
    for (const name of ['23-fleet-table-pt-BR-light', '23-fleet-table-pt-BR-dark'])
      await copyFile(join(SCREENSHOT_DIR, `${name}.png`), join('docs/screenshots', `${name}.png`));
  });

  it('logged no errors in the page', () => {
    expect(stack.pageErrors.filter((e) => !e.includes('favicon'))).toEqual([]);
  });
});
