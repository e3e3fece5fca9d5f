// The control panel in Chromium against the real core, a real VPS (sshd in a network namespace,
// the agent installed over SFTP, real Docker and compose v1 running stand-in images) and the real
// keychain. Scenarios run in order on one stack: each starts where the previous one left off.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { SCREENSHOT_DIR } from '../rig/browser';
import { startHost, type VpsHost } from '../rig/hosts';
import { ensureStandinImages } from '../rig/images';
import { RIG_HEALTHCHECK_INTERVAL_MS } from '../integration/rig-agent';
import { checkScreen, startStack, type Stack } from './support';

const ADMIN_PASSWORD = 'e2e-admin-password-1';
const BOB_PASSWORD = 'e2e-bob-password-1';
const PROJECT = 'e2e-alpha';

function docker(args: string[]): Promise<string> {
  return new Promise((ok, fail) =>
    execFile('docker', args, { timeout: 60_000 }, (err, stdout, stderr) =>
      err ? fail(new Error(`${err.message}\n${stderr}`)) : ok(stdout),
    ),
  );
}

let stack: Stack;
let host: VpsHost;
let page: Page;

const card = (name: string): Locator =>
  page.locator(`[data-testid="project-card"][data-name="${name}"]`);
const sidebarServer = (name: string): Locator => page.getByTestId(`server-${name}`);
/** The main navigation (page buttons elsewhere share words like "projects" and "users"). */
const nav = (label: string): Promise<void> =>
  page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('button', { name: new RegExp(`^${label}`) })
    .click();

async function addServer(
  name: string,
  agentUsername: string,
  agentPassword: string,
): Promise<void> {
  await page.getByRole('button', { name: 'Add server' }).click();
  const dialog = page.getByTestId('server-dialog');
  await dialog.getByLabel('Name', { exact: true }).fill(name);
  await dialog.getByLabel('Host', { exact: true }).fill(host.address);
  await dialog.getByLabel('SSH port').fill(String(host.port));
  await dialog.getByLabel('SSH user').fill('root');
  await dialog.getByLabel('Private key file').fill(host.rootKeyPath);
  await dialog.getByLabel('Agent account').fill(agentUsername);
  await dialog.getByLabel('Agent password').fill(agentPassword);
  await dialog.getByRole('button', { name: 'Add and connect' }).click();
}

async function waitConnected(name: string, timeout = 180_000): Promise<void> {
  try {
    await sidebarServer(name)
      .getByTestId('server-state')
      // "disconnected" contains "connected": match the state word at the end.
      .filter({ hasText: /· connected$/ })
      .waitFor({ timeout });
  } catch (err) {
    // Say why, in the core's words, rather than only "timed out".
    const server = (await stack.desktop.listServers()).find((s) => s.name === name);
    throw new Error(`${name} did not connect: ${server?.state} ${JSON.stringify(server?.error)}`, {
      cause: err,
    });
  }
}

beforeAll(async () => {
  const standins = await ensureStandinImages();
  // dockerView: the agent's compose bind mounts must resolve on the machine's real paths.
  host = await startHost({ dockerView: true });
  // The agent reads its config from /etc/ultrabase/agent.json: stand-in images instead of the
  // official ones (there is no registry here), one creation at a time.
  const images = standins.images;
  await writeFile(
    join(host.dirs.etc, 'agent.json'),
    JSON.stringify(
      {
        images,
        autoRepair: false,
        // This machine is shared by parallel test runs (load often far above 2 per core): the
        // thresholds are the agent's to test; here they must not refuse the one creation.
        resources: { minFreeMemoryMb: 256, minFreeDiskMb: 256, maxLoadPerCore: 1000 },
        healthcheckIntervalMs: RIG_HEALTHCHECK_INTERVAL_MS,
      },
      null,
      2,
    ),
  );
  stack = await startStack();
  page = stack.page;
}, 900_000);

afterEach(async (ctx) => {
  // A failed step leaves a picture of the screen, and no modal in the way of the next scenario.
  if (ctx.task.result?.state !== 'fail' || !page) return;
  const name = ctx.task.name.replace(/[^\w]+/g, '-').slice(0, 60);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `fail-${name}.png`) }).catch(() => undefined);
  for (let i = 0; i < 3; i++) await page.keyboard.press('Escape').catch(() => undefined);
});

afterAll(async () => {
  await stack?.close();
  await host?.stop();
});

describe('control panel end to end', () => {
  it('starts on an empty state that says what to do', async () => {
    await page.getByRole('heading', { name: 'Add your first server' }).waitFor();
    await checkScreen(page, '01-empty');
  });

  it('adds a server, shows its host key fingerprint and connects once trusted', async () => {
    await addServer('vps-admin', 'admin', ADMIN_PASSWORD);
    const prompt = page.getByTestId('host-key-prompt');
    await prompt.waitFor({ timeout: 60_000 });
    expect(await prompt.getByTestId('fingerprint').textContent()).toBe(host.hostKeyFingerprint);
    await checkScreen(page, '02-host-key');
    await prompt.getByRole('button', { name: 'Trust and connect' }).click();
    await waitConnected('vps-admin');
    await page.getByRole('heading', { name: 'Create your first project' }).waitFor();
    await sidebarServer('vps-admin').click();
    await page.getByTestId('fits-more').waitFor();
    await checkScreen(page, '03-server');
  });

  it('validates the name as you type, then creates a project and shows progress to running', async () => {
    await nav('Projects');
    await page.getByRole('button', { name: 'New project' }).first().click();
    const dialog = page.getByTestId('create-dialog');
    const name = dialog.getByLabel('Project name');
    await name.fill('bad/name');
    await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('Use only letters');
    await name.fill(PROJECT);
    expect(await dialog.getByRole('alert').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Create project' }).click();
    const progress = dialog.getByTestId('creation-progress');
    const refusal = dialog.getByRole('alert');
    await progress.or(refusal).first().waitFor({ timeout: 60_000 });
    if (await refusal.isVisible())
      throw new Error(`creation refused: ${await refusal.textContent()}`);
    await progress
      .locator('[data-step="pull"][data-state="done"], [data-step="start"][data-state="active"]')
      .first()
      .waitFor({ timeout: 300_000 });
    await checkScreen(page, '04-create-progress');
    await page
      .locator('[data-testid="creation-progress"][data-finished="true"]')
      .waitFor({ timeout: 420_000 });
    expect(await progress.getAttribute('data-succeeded')).toBe('true');
    await dialog.getByRole('button', { name: 'Open project' }).click();
    await page
      .getByTestId('project-status')
      .filter({ hasText: 'running' })
      .waitFor({ timeout: 60_000 });
    await checkScreen(page, '05-project');
    await nav('Projects');
    await card(PROJECT).and(page.locator('[data-status="running"]')).waitFor();
    await checkScreen(page, '06-projects');
  });

  it('opens the project logs and shows lines as they arrive', async () => {
    await card(PROJECT).getByRole('button', { name: 'Logs', exact: true }).click();
    const status = page.getByTestId('log-status');
    await expect
      .poll(async () => Number(await status.getAttribute('data-shown')), { timeout: 60_000 })
      .toBeGreaterThan(0);
    const text = await page.locator('.xterm-rows').innerText();
    expect(text.length).toBeGreaterThan(0);
    await checkScreen(page, '07-logs');
  });

  it('stops and starts the project from its card', async () => {
    await nav('Projects');
    await card(PROJECT).getByRole('button', { name: 'Stop', exact: true }).click();
    await card(PROJECT).and(page.locator('[data-status="stopped"]')).waitFor({ timeout: 120_000 });
    const running = await docker([
      'ps',
      '-q',
      '--filter',
      `label=com.docker.compose.project`,
      '--filter',
      'status=running',
    ]);
    const project = await page.evaluate(async (n) => {
      const list = await window.ultrabase.listProjects();
      return list.find((p) => p.name === n)?.project ?? '';
    }, PROJECT);
    expect(project).toMatch(/^ub_/);
    const ours = await docker([
      'ps',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--filter',
      'status=running',
    ]);
    expect(ours.trim()).toBe('');
    expect(running).toBeDefined();
    await card(PROJECT).getByRole('button', { name: 'Start', exact: true }).click();
    await card(PROJECT).and(page.locator('[data-status="running"]')).waitFor({ timeout: 240_000 });
  });

  it('diagnoses a killed container and repairs it after showing the dry run', async () => {
    const project = await page.evaluate(
      async (n) => (await window.ultrabase.listProjects()).find((p) => p.name === n)?.project ?? '',
      PROJECT,
    );
    const ids = (
      await docker([
        'ps',
        '-q',
        '--filter',
        `label=com.docker.compose.project=${project}`,
        '--filter',
        'label=com.docker.compose.service=rest',
      ])
    ).trim();
    expect(ids).not.toBe('');
    await docker(['kill', ...ids.split('\n')]);
    await card(PROJECT).getByRole('button').first().click();
    await page.getByRole('tab', { name: 'Diagnostics' }).click();
    await page.getByRole('button', { name: 'Run diagnostics' }).click();
    const status = page.getByTestId('diagnostics-status');
    await status.waitFor({ timeout: 120_000 });
    expect(await status.getAttribute('data-status')).not.toBe('ok');
    await page.getByRole('button', { name: 'Repair…' }).click();
    const plan = page.getByTestId('repair-plan');
    await plan.waitFor({ timeout: 120_000 });
    expect(await plan.textContent()).toContain('rest');
    await checkScreen(page, '08-diagnostics');
    await plan.getByRole('button', { name: /^Apply/ }).click();
    await page.getByTestId('repair-result').waitFor({ timeout: 240_000 });
    await page.getByRole('button', { name: 'Run diagnostics' }).click();
    await expect
      .poll(() => status.getAttribute('data-status'), { timeout: 120_000 })
      .not.toBe('fail');
  });

  it('shows a user only their own and granted projects', async () => {
    // Registry-only projects (the agent's dry run: files, no containers) made through the real
    // core, so who-sees-what is tested apart from Docker.
    const serverId = async (name: string) =>
      (await stack.desktop.listServers()).find((s) => s.name === name)?.id ?? '';
    const adminId = await serverId('vps-admin');
    await stack.desktop.createProject(adminId, { name: 'e2e-granted', dryRun: true });
    await stack.desktop.createProject(adminId, { name: 'e2e-hidden', dryRun: true });
    await nav('Projects');
    await card('e2e-hidden').waitFor({ timeout: 30_000 });

    await nav('Users');
    const form = page.getByRole('form', { name: 'Create user' });
    await form.getByLabel('Username').fill('bob');
    await form.getByLabel('Password').fill(BOB_PASSWORD);
    await form.getByRole('button', { name: 'Create user' }).click();
    await page.locator('[data-testid="user-row"][data-username="bob"]').waitFor();
    await checkScreen(page, '09-users');

    await addServer('vps-bob', 'bob', BOB_PASSWORD);
    const prompt = page.getByTestId('host-key-prompt');
    await prompt.waitFor({ timeout: 60_000 });
    await prompt.getByRole('button', { name: 'Trust and connect' }).click();
    await waitConnected('vps-bob');
    const bobId = await serverId('vps-bob');
    await stack.desktop.createProject(bobId, { name: 'e2e-bobs-own', dryRun: true });

    await nav('Projects');
    const filter = page.getByLabel('Filter by server');
    await filter.selectOption({ label: 'vps-bob' });
    await card('e2e-bobs-own').waitFor({ timeout: 30_000 });
    expect(await card('e2e-hidden').count()).toBe(0);
    expect(await card('e2e-granted').count()).toBe(0);

    // An admin grants one project: bob sees it too, and still nothing else.
    await nav('Users');
    const bob = page.locator('[data-testid="user-row"][data-username="bob"]');
    await bob.getByRole('button', { name: 'Manage' }).click();
    await bob.getByLabel('e2e-granted').check();
    await expect
      .poll(async () => (await stack.desktop.listProjects(bobId)).map((p) => p.name).sort())
      .toEqual(['e2e-bobs-own', 'e2e-granted']);
    // Bob's connection learns about the grant on its next listing: a reload starts the app fresh.
    await page.reload();
    await page.getByLabel('Filter by server').selectOption({ label: 'vps-bob' });
    await card('e2e-granted').waitFor({ timeout: 30_000 });
    expect(await card('e2e-hidden').count()).toBe(0);
    // Bob is no admin on his connection: the Users page offers him nothing to manage there.
    const bobView = (await stack.desktop.listServers()).find((s) => s.id === bobId);
    expect(bobView?.user?.role).toBe('user');
  });

  it('deletes a project after the typed confirmation', async () => {
    await nav('Projects');
    await page.getByLabel('Filter by server').selectOption({ label: 'vps-admin' });
    await card('e2e-hidden').getByRole('button', { name: 'Delete e2e-hidden' }).click();
    const dialog = page.getByTestId('delete-dialog');
    const confirm = dialog.getByRole('button', { name: 'Delete project' });
    expect(await confirm.isDisabled()).toBe(true);
    await checkScreen(page, '12-delete');
    await dialog.getByLabel('Type e2e-hidden to confirm').fill('e2e-hid');
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type e2e-hidden to confirm').fill('e2e-hidden');
    await confirm.click();
    await card('e2e-hidden').waitFor({ state: 'detached', timeout: 120_000 });
    const names = (await stack.desktop.listProjects()).map((p) => p.name);
    expect(names).not.toContain('e2e-hidden');
  });

  it('deletes the running project, leaving no container', async () => {
    await nav('Projects');
    await page.getByLabel('Filter by server').selectOption({ label: 'vps-admin' });
    const project = await page.evaluate(
      async (n) => (await window.ultrabase.listProjects()).find((p) => p.name === n)?.project ?? '',
      PROJECT,
    );
    expect(project).toMatch(/^ub_/);
    await card(PROJECT)
      .getByRole('button', { name: `Delete ${PROJECT}` })
      .click();
    const dialog = page.getByTestId('delete-dialog');
    await dialog.getByLabel(`Type ${PROJECT} to confirm`).fill(PROJECT);
    await dialog.getByRole('button', { name: 'Delete project' }).click();
    await card(PROJECT).waitFor({ state: 'detached', timeout: 240_000 });
    expect(
      (
        await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`])
      ).trim(),
    ).toBe('');
  });

  it('keeps settings and switches the theme', async () => {
    await nav('Settings');
    await page.getByRole('radiogroup', { name: 'Theme' }).getByText('Dark').click();
    await expect
      .poll(() => page.evaluate(() => document.documentElement.classList.contains('dark')))
      .toBe(true);
    expect((await stack.desktop.getSettings()).theme).toBe('dark');
    await checkScreen(page, '10-settings');
    await page.getByRole('radiogroup', { name: 'Theme' }).getByText('Light').click();
  });

  it('blocks with a warning showing both fingerprints when the host key changes', async () => {
    const before = host.hostKeyFingerprint;
    await sidebarServer('vps-admin').click();
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await host.regenerateHostKey();
    expect(host.hostKeyFingerprint).not.toBe(before);
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    const alert = page.getByTestId('host-key-changed');
    await alert.waitFor({ timeout: 60_000 });
    const prints = await alert.getByTestId('fingerprint').allTextContents();
    expect(prints).toEqual([before, host.hostKeyFingerprint]);
    // Blocking: Escape does not dismiss it, and nothing connected.
    await page.keyboard.press('Escape');
    expect(await alert.isVisible()).toBe(true);
    await checkScreen(page, '11-host-key-changed');
    await alert.getByRole('button', { name: 'Keep disconnected' }).click();
    const server = (await stack.desktop.listServers()).find((s) => s.name === 'vps-admin');
    expect(server?.state).not.toBe('connected');
  });

  it('logged no errors in the page', () => {
    expect(stack.pageErrors.filter((e) => !e.includes('favicon'))).toEqual([]);
  });
});
