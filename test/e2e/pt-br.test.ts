// The control panel in Brazilian Portuguese, against the real core and a real VPS (sshd in a
// network namespace, the agent installed over SFTP). Projects are registry-only (the agent's dry
// run), so this scenario needs no images; it checks the language end to end: the Portuguese
// labels drive the flow, <html lang> follows, switching to English is live and saved, and it
// writes the pt-BR screenshots used in the README. Each main screen (projects, new project,
// project page, server, users, delete confirmation, settings) passes axe-core in light and dark.
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { SCREENSHOT_DIR } from '../rig/browser';
import { startHost, type VpsHost } from '../rig/hosts';
import { checkScreen, startStack, type Stack } from './support';

const ADMIN_PASSWORD = 'e2e-admin-password-1';

let stack: Stack;
let host: VpsHost;
let page: Page;

const nav = (label: string): Promise<void> =>
  page
    .getByRole('navigation', { name: 'Principal' })
    .getByRole('button', { name: new RegExp(`^${label}`) })
    .click();

beforeAll(async () => {
  host = await startHost();
  await writeFile(
    join(host.dirs.etc, 'agent.json'),
    JSON.stringify({
      autoRepair: false,
      // Shared machine: admission thresholds are the agent's to test, not this file's.
      resources: { minFreeMemoryMb: 256, minFreeDiskMb: 256, maxLoadPerCore: 1000 },
    }),
  );
  stack = await startStack({ language: 'pt-BR' });
  page = stack.page;
}, 900_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail' || !page) return;
  const name = ctx.task.name.replace(/[^\w]+/g, '-').slice(0, 60);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `fail-${name}.png`) }).catch(() => undefined);
  for (let i = 0; i < 3; i++) await page.keyboard.press('Escape').catch(() => undefined);
});

afterAll(async () => {
  await stack?.close();
  await host?.stop();
});

describe('control panel in Brazilian Portuguese', () => {
  it('starts in Portuguese, with <html lang="pt-BR">', async () => {
    await page.getByRole('heading', { name: 'Adicione seu primeiro servidor' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('pt-BR');
  });

  it('adds a server and trusts its key through the Portuguese labels', async () => {
    await page.getByRole('button', { name: 'Adicionar servidor', exact: true }).first().click();
    const dialog = page.getByTestId('server-dialog');
    await dialog.getByLabel('Nome', { exact: true }).fill('vps-sp');
    await dialog.getByLabel('Host', { exact: true }).fill(host.address);
    await dialog.getByLabel('Porta SSH').fill(String(host.port));
    await dialog.getByLabel('Usuário SSH').fill('root');
    await dialog.getByLabel('Arquivo da chave privada').fill(host.rootKeyPath);
    await dialog.getByLabel('Conta do agente').fill('admin');
    await dialog.getByLabel('Senha do agente').fill(ADMIN_PASSWORD);
    await dialog.getByRole('button', { name: 'Adicionar e conectar' }).click();
    const prompt = page.getByTestId('host-key-prompt');
    await prompt.waitFor({ timeout: 60_000 });
    await prompt.getByRole('button', { name: 'Confiar e conectar' }).click();
    await page
      .getByTestId('server-vps-sp')
      .getByTestId('server-state')
      .filter({ hasText: /· conectado$/ })
      .waitFor({ timeout: 180_000 });
    await page.getByRole('heading', { name: 'Crie seu primeiro projeto' }).waitFor();
  });

  it('lists projects with Portuguese words, counts and statuses', async () => {
    const serverId = (await stack.desktop.listServers()).find((s) => s.name === 'vps-sp')!.id;
    for (const name of ['cliente-acme', 'loja-bahia', 'portal-recife'])
      await stack.desktop.createProject(serverId, { name, dryRun: true });
    await nav('Projetos');
    await page.locator('[data-testid="project-card"]').nth(2).waitFor({ timeout: 30_000 });
    const header = await page.locator('h1').first().textContent();
    expect(header).toBe('Projetos');
    const subtitle = await page.getByText(/exibidos · 1 de 1 servidores conectados/).count();
    expect(subtitle).toBe(1);
    expect(await page.getByRole('button', { name: 'Novo projeto' }).count()).toBe(1);
    await checkScreen(page, '20-projects-pt-BR');
  });

  it('validates a new project name in Portuguese', async () => {
    await page.getByRole('button', { name: 'Novo projeto' }).first().click();
    const dialog = page.getByTestId('create-dialog');
    await dialog.getByLabel('Nome do projeto').fill('nome/errado');
    await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('Use apenas letras');
    await checkScreen(page, '24-create-pt-BR');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('opens a project page in Portuguese', async () => {
    await page
      .locator('[data-testid="project-card"][data-name="loja-bahia"]')
      .getByRole('button')
      .first()
      .click();
    await page.getByRole('tab', { name: 'Visão geral' }).waitFor();
    await page.getByRole('heading', { name: 'Credenciais' }).first().waitFor();
    await checkScreen(page, '25-project-pt-BR');
  });

  it('asks for the typed name before deleting, in Portuguese', async () => {
    await nav('Projetos');
    await page
      .locator('[data-testid="project-card"][data-name="portal-recife"]')
      .getByRole('button', { name: 'Excluir portal-recife' })
      .click();
    const dialog = page.getByTestId('delete-dialog');
    await dialog.getByLabel('Digite portal-recife para confirmar').waitFor();
    expect(await dialog.getByRole('button', { name: 'Excluir projeto' }).isDisabled()).toBe(true);
    await checkScreen(page, '26-delete-pt-BR');
    await dialog.getByRole('button', { name: 'Cancelar' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('shows the users page in Portuguese', async () => {
    await nav('Usuários');
    await page.getByRole('form', { name: 'Criar usuário' }).waitFor();
    await checkScreen(page, '27-users-pt-BR');
  });

  it('shows the server page in Portuguese', async () => {
    await page.getByTestId('server-vps-sp').click();
    await page.getByTestId('fits-more').waitFor();
    expect(await page.getByText('Capacidade', { exact: true }).count()).toBe(1);
    await checkScreen(page, '21-server-pt-BR');
  });

  it('switches to English live from Settings and saves the choice', async () => {
    await nav('Configurações');
    await page.getByRole('radiogroup', { name: 'Idioma' }).getByText('English').click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect((await stack.desktop.getSettings()).language).toBe('en');
    await page
      .getByRole('radiogroup', { name: 'Language' })
      .getByText('Português (Brasil)')
      .click();
    await page.getByRole('heading', { name: 'Configurações', level: 1 }).waitFor();
    expect((await stack.desktop.getSettings()).language).toBe('pt-BR');
    await checkScreen(page, '22-settings-pt-BR');
  });

  it('logged no errors in the page', () => {
    expect(stack.pageErrors.filter((e) => !e.includes('favicon'))).toEqual([]);
  });
});
