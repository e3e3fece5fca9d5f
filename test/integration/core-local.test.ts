// "This computer": the agent as a local child process over stdio (no SSH), its login password
// generated on first use and kept only in the real keychain.
import { mkdtempSync, readFileSync } from 'node:fs';
import { copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesktop, type Desktop } from '../../electron/src/core/desktop';
import { createKeytarSecretStore } from '../../electron/src/core/profiles/secret-store';
import type { LocalLink } from '../../electron/src/core/servers/local-link';
import { build, BUNDLE } from './core-helpers';

let home: string;
let bundle: string;
let desktop: Desktop;

beforeAll(() => {
  build('agent');
  home = mkdtempSync(path.join(tmpdir(), 'ub-core-local-'));
  bundle = path.join(home, 'agent.cjs');
  copyFileSync(BUNDLE, bundle);
  desktop = createDesktop({ home, agentBundlePath: bundle });
});

afterAll(async () => {
  await desktop?.close();
  await createKeytarSecretStore().delete('local', 'agentPassword');
});

describe('This computer', () => {
  it('is listed from the start and connects without any password typed', async () => {
    const servers = await desktop.listServers();
    expect(servers[0]).toMatchObject({
      id: 'local',
      kind: 'local',
      name: 'This computer',
      state: 'disconnected',
    });
    const view = await desktop.connectServer('local');
    expect(view).toMatchObject({ state: 'connected', user: { username: 'admin', role: 'admin' } });
    expect(view.secrets.agentPassword).toBe(true);
  });

  it('keeps the generated password in the keychain only', async () => {
    const password = await createKeytarSecretStore().get('local', 'agentPassword');
    expect(password && password.length).toBeGreaterThanOrEqual(24);
    expect(readFileSync(path.join(home, 'settings.json'), 'utf8')).not.toContain(password!);
  });

  it('creates and lists projects; a second app start logs in again with the kept password', async () => {
    const { project } = await desktop.createProject('local', {
      name: 'on my laptop',
      dryRun: true,
    });
    expect(project).toMatchObject({ serverId: 'local', serverName: 'This computer' });
    await desktop.close();
    desktop = createDesktop({ home, agentBundlePath: bundle });
    await desktop.connectServer('local');
    expect((await desktop.listProjects()).map((p) => p.name)).toEqual(['on my laptop']);
  });

  it('restarts the agent process when it dies, and carries on', async () => {
    const states: string[] = [];
    desktop.onEvent((e) => {
      if (e.type === 'server.state' && e.server.id === 'local') states.push(e.server.state);
    });
    const pid = (desktop.inspect('local').link as LocalLink).pid;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    const deadline = Date.now() + 30_000;
    while (!states.includes('connected') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(states).toContain('reconnecting');
    expect(states).toContain('connected');
    expect((await desktop.listProjects('local')).map((p) => p.name)).toEqual(['on my laptop']);
  });
});
