import { describe, expect, it } from 'vitest';
import { UltrabaseError } from '@contract/errors';
import type { RecoveryProgress } from '@contract/api';
import { FP_OLD, fakeDesktop, fakeIo, pin, project, run, server } from '../cli-test-kit';

describe('connect and disconnect', () => {
  it('connects and says who we are on the agent', async () => {
    const r = await run(['connect', 'web'], fakeDesktop());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('connected to web: agent 1.2.3, logged in as admin (admin)\n');
    expect(r.stderr).toContain('web 100% connected');
  });

  it('draws the connection steps as a bar on a terminal', async () => {
    const r = await run(['connect', 'web'], fakeDesktop(), fakeIo({ tty: true }));
    expect(r.stderr).toMatch(/web █{24} 100% connected/);
  });

  it('fails with the code the core gives', async () => {
    const d = fakeDesktop();
    d.failing.set(
      'srv-web',
      new UltrabaseError('SSH_AUTH_FAILED', 'All configured authentication methods failed'),
    );
    const r = await run(['connect', 'web', '--json'], d);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toEqual({
      code: 'SSH_AUTH_FAILED',
      message: 'All configured authentication methods failed',
    });
    expect(r.stderr).toContain('error SSH_AUTH_FAILED: The SSH login was refused.');
  });

  it('disconnects', async () => {
    const d = fakeDesktop();
    expect((await run(['disconnect', 'web'], d)).stdout).toBe('disconnected web\n');
    expect(d.calls).toContainEqual(['disconnectServer', 'srv-web']);
  });
});

describe('a server bringing its projects back after a reboot', () => {
  const progress = (patch: Partial<RecoveryProgress> = {}): RecoveryProgress => ({
    reason: 'agent-start',
    phase: 'databases',
    total: 80,
    done: 0,
    failed: 0,
    databases: 12,
    waiting: ['inst-shop', 'inst-gone'],
    at: '2026-12-02T10:00:00.000Z',
    ...patch,
  });
  const recovering = () =>
    fakeDesktop({
      servers: [server({ name: 'web', hostKey: pin(FP_OLD), recovery: progress() })],
      projects: [project({ name: 'shop' })],
    });

  it('connect says how far it is, and draws it as a bar on a terminal', async () => {
    const r = await run(['connect', 'web'], recovering());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Bringing projects back: 12 of 80 (databases first)\n');
    const tty = await run(['connect', 'web'], recovering(), fakeIo({ tty: true }));
    // 12 databases of 80, the first half of the bar: 12 / 160 steps.
    expect(tty.stderr).toMatch(/projects back ██░{22} +7% Bringing projects back: 12 of 80/);
  });

  it('servers status names the projects still waiting, in Portuguese too, and --json keeps the data', async () => {
    const r = await run(['servers', 'status', 'web'], recovering());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      'web: connected, agent 1.2.3\n' +
        'Bringing projects back: 12 of 80 (databases first)\n' +
        'waiting: shop, inst-gone\n',
    );
    const pt = await run(
      ['servers', 'status', 'web'],
      recovering(),
      fakeIo({ env: { LANG: 'pt_BR.UTF-8' } }),
    );
    expect(pt.stdout).toContain(
      'Trazendo os projetos de volta: 12 de 80 (bancos de dados primeiro)',
    );
    const json = await run(['servers', 'status', 'web', '--json'], recovering());
    expect(JSON.parse(json.stdout).recovery).toMatchObject({ phase: 'databases', databases: 12 });
    const calm = await run(['servers', 'status', 'web'], fakeDesktop());
    expect(calm.stdout).toContain('no projects are being brought back');
  });

  it('servers status --watch follows the pass to its end', async () => {
    const d = recovering();
    const io = fakeIo({ tty: true });
    const running = run(['servers', 'status', 'web', '--watch'], d, io);
    const s = d.servers[0]!;
    await new Promise((r) => setTimeout(r, 10));
    d.emit({
      type: 'server.state',
      server: { ...s, recovery: progress({ phase: 'services', done: 79, failed: 1 }) },
    });
    d.emit({ type: 'server.state', server: { ...s, recovery: undefined } });
    const r = await running;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/projects back █{24} 100% Bringing projects back: 79 of 80; 1 could/);
    expect(r.stdout).toContain('no projects are being brought back');
  });
});
