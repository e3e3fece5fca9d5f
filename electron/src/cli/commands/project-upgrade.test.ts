import { describe, expect, it } from 'vitest';
import type { ProgressEvent, UpgradePlan } from '@contract/api';
import { UltrabaseError } from '@contract/errors';
import { fakeDesktop, project, run } from '../cli-test-kit';
import { upgradeStepOf } from './project-upgrade';

function plan(id: string, patch: Partial<UpgradePlan> = {}): UpgradePlan {
  return {
    instanceId: id,
    from: '2026.02.16',
    to: '2026.06.03',
    upToDate: false,
    images: [{ service: 'auth', from: 'supabase/gotrue:v2.186.0', to: 'supabase/gotrue:v2.189.0' }],
    files: ['docker-compose.yml'],
    databaseChanges: false,
    notes: ['Auth v2.189.0'],
    fixes: [],
    ...patch,
  };
}

function withUpgrades(projects: string[], outcome: Record<string, 'ok' | 'current' | 'rollback'>) {
  const d = fakeDesktop({ projects: projects.map((name) => project({ name })) });
  let running = 0;
  let peak = 0;
  Object.assign(d, {
    async upgradePlan(_s: string, id: string, options?: { release?: string }) {
      d.calls.push(['upgradePlan', id, options]);
      return plan(id, { upToDate: outcome[id] === 'current' });
    },
    async upgradeProject(_s: string, id: string, options?: { release?: string }) {
      d.calls.push(['upgradeProject', id, options]);
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (outcome[id] === 'rollback') {
        throw new UltrabaseError(
          'UPGRADE_ROLLED_BACK',
          'auth did not become healthy; back on 2026.02.16',
          {
            rolledBack: true,
          },
        );
      }
      return { project: d.projects.find((p) => p.id === id)!, plan: plan(id) };
    },
  });
  return { d, peak: () => peak };
}

describe('projects upgrade', () => {
  it('upgrades one project to the release given, --json printing the plan', async () => {
    const { d } = withUpgrades(['shop'], { 'inst-shop': 'ok' });
    const r = await run(['projects', 'upgrade', 'web', 'shop', '--to', '2026.06.03', '--json'], d);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ plan: { from: '2026.02.16', to: '2026.06.03' } });
    expect(d.calls).toContainEqual(['upgradeProject', 'inst-shop', { release: '2026.06.03' }]);
  });

  it('shows the plan without upgrading with --plan', async () => {
    const { d } = withUpgrades(['shop'], {});
    const r = await run(['projects', 'upgrade', 'web', 'shop', '--plan'], d);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('shop: release 2026.02.16 → 2026.06.03');
    expect(r.stdout).toContain('supabase/gotrue:v2.189.0');
    expect(d.calls.some((c) => c[0] === 'upgradeProject')).toBe(false);
  });

  it('upgrades every project with --all, two at a time, and exits 1 when one rolled back', async () => {
    const { d, peak } = withUpgrades(['a', 'b', 'c', 'd'], {
      'inst-a': 'ok',
      'inst-b': 'rollback',
      'inst-c': 'current',
      'inst-d': 'ok',
    });
    const r = await run(['projects', 'upgrade', 'web', '--all', '--json'], d);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      server: 'web',
      planOnly: false,
      results: [
        { project: 'a', id: 'inst-a', from: '2026.02.16', to: '2026.06.03', result: 'upgraded' },
        {
          project: 'b',
          id: 'inst-b',
          from: '',
          result: 'rolled-back',
          code: 'UPGRADE_ROLLED_BACK',
          message: 'auth did not become healthy; back on 2026.02.16',
        },
        { project: 'c', id: 'inst-c', from: '2026.02.16', result: 'up-to-date' },
        { project: 'd', id: 'inst-d', from: '2026.02.16', to: '2026.06.03', result: 'upgraded' },
      ],
    });
    expect(peak()).toBe(2);
  });

  it('needs a project or --all, not both', async () => {
    const { d } = withUpgrades(['shop'], {});
    expect((await run(['projects', 'upgrade', 'web'], d)).code).toBe(2);
    expect((await run(['projects', 'upgrade', 'web', 'shop', '--all'], d)).code).toBe(2);
  });
});

describe('projects upgrade-postgres', () => {
  function withPostgres() {
    const d = fakeDesktop({ projects: [project({ name: 'shop' })] });
    const pgPlan = (id: string) => ({
      ...plan(id, {
        to: '2026.07.01-pg17',
        databaseChanges: true,
        images: [
          {
            service: 'db',
            from: 'supabase/postgres:15.8.1.085',
            to: 'supabase/postgres:17.6.1.136',
          },
        ],
      }),
      fromMajor: 15,
      toMajor: 17,
    });
    Object.assign(d, {
      async upgradePostgresPlan(_s: string, id: string, options?: { release?: string }) {
        d.calls.push(['upgradePostgresPlan', id, options]);
        return pgPlan(id);
      },
      async upgradePostgres(_s: string, id: string, options: { confirm: string }) {
        d.calls.push(['upgradePostgres', id, options]);
        return { project: d.projects.find((p) => p.id === id)!, plan: pgPlan(id) };
      },
    });
    return d;
  }

  it('shows the warning and the plan with --plan, and changes nothing', async () => {
    const d = withPostgres();
    const r = await run(['projects', 'upgrade-postgres', 'web', 'shop', '--plan'], d);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Postgres 15 → 17 for shop');
    expect(r.stdout).toContain('supabase/postgres:17.6.1.136');
    expect(d.calls.some((c) => c[0] === 'upgradePostgres')).toBe(false);
  });

  it('refuses to run without --confirm, naming what to type', async () => {
    const d = withPostgres();
    const r = await run(['projects', 'upgrade-postgres', 'web', 'shop'], d);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--confirm shop');
    expect(d.calls.some((c) => c[0] === 'upgradePostgres')).toBe(false);
  });

  it('passes the typed name to the agent, --json printing the plan', async () => {
    const d = withPostgres();
    const r = await run(
      ['projects', 'upgrade-postgres', 'web', 'shop', '--confirm', 'shop', '--json'],
      d,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ plan: { fromMajor: 15, toMajor: 17 } });
    expect(d.calls).toContainEqual(['upgradePostgres', 'inst-shop', { confirm: 'shop' }]);
  });
});

describe('upgrade progress and diagnosis', () => {
  let seq = 0;
  const ev = (step: string, status: string) =>
    ({ instanceId: 'inst-shop', seq: ++seq, at: '', step, status }) as ProgressEvent;

  it('counts half steps from the upgrade’s backup on, ignoring the creation before it', () => {
    expect(upgradeStepOf([ev('pull', 'done'), ev('health', 'done')])).toBeUndefined();
    expect(
      upgradeStepOf([
        ev('health', 'done'),
        ev('backup', 'started'),
        ev('backup', 'done'),
        ev('pull', 'started'),
      ]),
    ).toEqual({ value: 3, step: 'pull', rollingBack: false });
    expect(
      upgradeStepOf([ev('backup', 'started'), ev('health', 'started'), ev('rollback', 'started')]),
    ).toEqual({ value: 9, step: 'health', rollingBack: true });
  });

  it('prints the steps as plain lines off a terminal, and the diagnosis’ failing checks', async () => {
    const { d } = withUpgrades(['shop'], { 'inst-shop': 'ok' });
    d.progress.push({
      events: [
        ev('backup', 'started'),
        ev('backup', 'done'),
        ev('pull', 'done'),
        ev('health', 'done'),
      ],
      finished: true,
    });
    const upgradeProject = d.upgradeProject.bind(d);
    Object.assign(d, {
      async upgradeProject(s: string, id: string, o?: { release?: string }) {
        // Long enough for the follower to look at least once.
        await new Promise((r) => setTimeout(r, 20));
        return {
          ...(await upgradeProject(s, id, o)),
          diagnosis: {
            instanceId: id,
            at: '',
            status: 'fail',
            durationMs: 1,
            checks: [
              { id: 'kong', title: 'Kong routes', status: 'fail', evidence: 'GET /rest/v1/: 502' },
              { id: 'db', title: 'Database', status: 'ok', evidence: 'ok' },
            ],
          },
        };
      },
    });
    const r = await run(['projects', 'upgrade', 'web', 'shop'], d);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/shop .*health/);
    expect(r.stdout).toContain('1 check(s) need attention');
    expect(r.stdout).toContain('Kong routes (fail): GET /rest/v1/: 502');
    expect(r.stdout).not.toContain('Database (');
  });
});
