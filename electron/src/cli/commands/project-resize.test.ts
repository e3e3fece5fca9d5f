import { describe, expect, it } from 'vitest';
import { UltrabaseError } from '@contract/errors';
import type { OptionalServices, ProjectSize } from '@protocol/types';
import { fakeDesktop, project, run } from '../cli-test-kit';

type Change = { size?: ProjectSize; optionalServices?: OptionalServices };

function seeded(opts: { refuse?: boolean } = {}) {
  const shop = project({ name: 'shop', size: { profile: 'small' } });
  const d = fakeDesktop({ projects: [shop] });
  const planned: Change[] = [];
  const applied: Change[] = [];
  d.planReshapeProject = (_s, _p, change = {}) => {
    planned.push(change);
    if (opts.refuse) {
      return Promise.reject(
        new UltrabaseError('INSUFFICIENT_RESOURCES', 'Not enough memory for a large project.', {
          memoryRequestedMb: 5888,
          memoryFreeMb: 1000,
        }),
      );
    }
    return Promise.resolve({
      plan: { keys: ['size'], files: ['docker-compose.yml'], services: ['db', 'auth'] },
      dryRun: true,
    });
  };
  d.reshapeProject = (_s, _p, change = {}) => {
    applied.push(change);
    return Promise.resolve({
      ...shop,
      ...(change.size ? { size: change.size } : {}),
      optionalServices: { ...shop.optionalServices, ...change.optionalServices },
    });
  };
  return { d, planned, applied };
}

describe('projects resize', () => {
  it('plans, then resizes, and says what was recreated (--json the same facts)', async () => {
    const { d, planned, applied } = seeded();
    const r = await run(['projects', 'resize', 'web', 'shop', 'large'], d);
    expect(r.code, r.stderr).toBe(0);
    expect(planned).toEqual([{ size: { profile: 'large' } }]);
    expect(applied).toEqual([{ size: { profile: 'large' } }]);
    expect(r.stdout).toBe('shop is now large\nrecreated: db, auth\n');
    const json = await run(['projects', 'resize', 'web', 'shop', 'large', '--json'], d);
    const data = JSON.parse(json.stdout);
    expect(data.plan.services).toEqual(['db', 'auth']);
    expect(data.project.size).toEqual({ profile: 'large' });
    expect(data.dryRun).toBe(false);
  });

  it('--dry-run only plans', async () => {
    const { d, applied } = seeded();
    const r = await run(['projects', 'resize', 'web', 'shop', 'medium', '--dry-run'], d);
    expect(r.code, r.stderr).toBe(0);
    expect(applied).toEqual([]);
    expect(r.stdout).toBe('shop would become medium\nwould recreate: db, auth\n');
  });

  it('takes custom with --memory and --cpus, and refuses them on a named size', async () => {
    const { d, applied } = seeded();
    const ok = await run(
      ['projects', 'resize', 'web', 'shop', 'custom', '--memory', '2048', '--cpus', '1.5'],
      d,
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(applied).toEqual([{ size: { profile: 'custom', memoryMb: 2048, cpus: 1.5 } }]);
    const noMemory = await run(['projects', 'resize', 'web', 'shop', 'custom', '--cpus', '1'], d);
    expect(noMemory.code).toBe(2);
    expect(noMemory.stderr).toContain('--memory is required');
    const named = await run(['projects', 'resize', 'web', 'shop', 'small', '--memory', '512'], d);
    expect(named.code).toBe(2);
    const unknown = await run(['projects', 'resize', 'web', 'shop', 'huge', '--json'], d);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout + unknown.stderr).toContain('INVALID_FLAG_VALUE');
    expect(applied).toHaveLength(1);
  });

  it('a refused memory check changes nothing and exits 1 with the code', async () => {
    const { d, applied } = seeded({ refuse: true });
    const r = await run(['projects', 'resize', 'web', 'shop', 'large', '--json'], d);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('INSUFFICIENT_RESOURCES');
    expect(applied).toEqual([]);
  });
});

describe('projects services', () => {
  it('lists what the project runs when nothing is asked', async () => {
    const { d, planned } = seeded();
    const r = await run(['projects', 'services', 'web', 'shop', '--json'], d);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).services).toEqual({
      functions: true,
      realtime: true,
      imgproxy: true,
      studio: true,
      logs: false,
    });
    expect(planned).toEqual([]);
  });

  it('turns services on and off through one reshape', async () => {
    const { d, applied } = seeded();
    const r = await run(
      [
        'projects',
        'services',
        'web',
        'shop',
        '--enable',
        'logs',
        '--disable',
        'functions,imgproxy',
      ],
      d,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(applied).toEqual([
      { optionalServices: { logs: true, functions: false, imgproxy: false } },
    ]);
    expect(r.stdout).toMatch(/^functions\s+off$/m);
    expect(r.stdout).toMatch(/^logs\s+on$/m);
    expect(r.stdout).toContain('recreated: db, auth');
  });

  it('refuses an unknown service and one named both ways, before any call', async () => {
    const { d, planned } = seeded();
    const unknown = await run(['projects', 'services', 'web', 'shop', '--disable', 'db'], d);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('functions, realtime, imgproxy, studio, logs');
    const both = await run(
      ['projects', 'services', 'web', 'shop', '--enable', 'studio', '--disable', 'studio'],
      d,
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('studio is in both');
    expect(planned).toEqual([]);
  });
});
