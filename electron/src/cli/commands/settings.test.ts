import { describe, expect, it } from 'vitest';
import type { SecretRotation, SettingValue } from '@contract/api';
import { fakeDesktop, fakeIo, project, run } from '../cli-test-kit';

function seeded() {
  const d = fakeDesktop({ projects: [project({ name: 'shop' })] });
  const sent: { changes: Record<string, SettingValue | null>; dryRun?: boolean }[] = [];
  const rotations: { secret: SecretRotation; dryRun?: boolean }[] = [];
  const plan = { keys: ['auth.siteUrl'], files: ['docker-compose.yml'], services: ['auth'] };
  d.projectSettings = () =>
    Promise.resolve({
      values: { 'auth.siteUrl': 'https://a.example.com', 'api.schemas': ['public', 'api'] },
      secretsSet: ['smtp.password'],
    });
  d.setProjectSettings = (_s, _p, changes, options) => {
    sent.push({ changes, dryRun: options?.dryRun });
    return Promise.resolve({
      plan,
      dryRun: options?.dryRun === true,
      settings: { values: {}, secretsSet: [] },
    });
  };
  d.rotateProjectSecret = (_s, _p, secret, options) => {
    rotations.push({ secret, dryRun: options?.dryRun });
    return Promise.resolve({
      plan: { keys: [`secrets.${secret}`], files: ['.env'], services: ['kong'] },
      dryRun: options?.dryRun === true,
    });
  };
  return { d, sent, rotations };
}

describe('settings', () => {
  it('shows values and which secrets are set, never a secret value', async () => {
    const { d } = seeded();
    const r = await run(['settings', 'show', 'web', 'shop'], d);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/auth\.siteUrl\s+https:\/\/a\.example\.com/);
    expect(r.stdout).toMatch(/api\.schemas\s+public,api/);
    expect(r.stdout).toContain('secrets set: smtp.password');
    const json = await run(['settings', 'show', 'web', 'shop', '--json'], d);
    expect(JSON.parse(json.stdout).secretsSet).toEqual(['smtp.password']);
  });

  it('sends key=value words as typed, with a dry run that says what would restart', async () => {
    const { d, sent } = seeded();
    const r = await run(
      [
        'settings',
        'set',
        'web',
        'shop',
        'auth.siteUrl=https://app.example.com/?a=b',
        'smtp.port=587',
        '--dry-run',
      ],
      d,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(sent).toEqual([
      {
        changes: { 'auth.siteUrl': 'https://app.example.com/?a=b', 'smtp.port': '587' },
        dryRun: true,
      },
    ]);
    expect(r.stdout).toBe('would change: auth.siteUrl\nwould restart: auth\n');
  });

  it('reads secret values from stdin (or a prompt), never from the command line', async () => {
    const { d, sent } = seeded();
    const r = await run(
      [
        'settings',
        'set',
        'web',
        'shop',
        'smtp.host=mail.example.com',
        'smtp.password',
        '--secrets-stdin',
      ],
      d,
      fakeIo({ stdin: 'S3cret-pw\n' }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(sent[0]?.changes).toEqual({
      'smtp.host': 'mail.example.com',
      'smtp.password': 'S3cret-pw',
    });
    expect(r.stdout + r.stderr).not.toContain('S3cret');

    const asked = seeded();
    const prompt = await run(
      ['settings', 'set', 'web', 'shop', 'smtp.password'],
      asked.d,
      fakeIo({ tty: true, stdin: 'typed-pw\r' }),
    );
    expect(prompt.code, prompt.stderr).toBe(0);
    expect(asked.sent[0]?.changes).toEqual({ 'smtp.password': 'typed-pw' });
    expect(prompt.stderr).not.toContain('typed-pw');

    const refused = seeded();
    const inline = await run(
      ['settings', 'set', 'web', 'shop', 'smtp.password=hunter2'],
      refused.d,
    );
    expect(inline.code).toBe(2);
    expect(inline.stderr).toContain('smtp.password is a secret');
    expect(refused.sent).toEqual([]);
  });

  it('refuses words that are not key=value, and no change at all', async () => {
    const { d, sent } = seeded();
    expect((await run(['settings', 'set', 'web', 'shop', 'auth.siteUrl'], d)).code).toBe(2);
    expect((await run(['settings', 'set', 'web', 'shop'], d)).code).toBe(2);
    expect(sent).toEqual([]);
  });

  it('rotates only when confirmed: --yes, or a yes at the terminal', async () => {
    const noTerminal = seeded();
    const r = await run(['settings', 'rotate', 'web', 'shop', 'jwt'], noTerminal.d);
    expect(r.code).toBe(2);
    expect(noTerminal.rotations).toEqual([{ secret: 'jwt', dryRun: true }]);

    const yes = seeded();
    const done = await run(
      ['settings', 'rotate', 'web', 'shop', 'dashboard-password', '--yes'],
      yes.d,
    );
    expect(done.code, done.stderr).toBe(0);
    expect(yes.rotations).toEqual([{ secret: 'dashboard-password', dryRun: false }]);
    expect(done.stdout).toBe('changed: secrets.dashboard-password\nrestarted: kong\n');

    const typed = seeded();
    const ok = await run(
      ['settings', 'rotate', 'web', 'shop', 'db-password'],
      typed.d,
      fakeIo({ tty: true, stdin: 'y\r' }),
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(typed.rotations.map((x) => x.dryRun)).toEqual([true, false]);

    const unknown = await run(
      ['settings', 'rotate', 'web', 'shop', 'root-password', '--yes'],
      seeded().d,
    );
    expect(unknown.code).toBe(2);
  });
});
