import { describe, expect, it } from 'vitest';
import type { BulkJob, ProjectView } from '@contract/api';
import { fakeDesktop, project, run } from '../cli-test-kit';

describe('projects tag', () => {
  it('adds and removes tags on top of the current ones, and prints them', async () => {
    const d = fakeDesktop({
      projects: [project({ name: 'shop', id: 'inst-shop', tags: ['cliente:acme', 'env:dev'] })],
    });
    const sent: string[][] = [];
    d.setProjectTags = async (_server, id, tags) => {
      sent.push(tags);
      return { ...d.projects.find((p) => p.id === id)!, tags: [...tags].sort() } as ProjectView;
    };
    const r = await run(
      ['projects', 'tag', 'web', 'shop', '--add', 'env:staging, vip', '--remove', 'env:dev'],
      d,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(sent).toEqual([['cliente:acme', 'env:staging', 'vip']]);
    expect(r.stdout).toContain('shop tags: cliente:acme, env:staging, vip');

    const json = await run(['projects', 'tag', 'web', 'shop', '--json'], d);
    expect(JSON.parse(json.stdout)).toEqual({
      project: 'inst-shop',
      name: 'shop',
      tags: ['cliente:acme', 'env:dev'],
    });
    expect(sent).toHaveLength(1);
  });
});

describe('projects bulk', () => {
  it('starts one job for the named projects, waits for it and exits 1 when an item failed', async () => {
    const d = fakeDesktop({
      projects: [project({ name: 'a', id: 'ia' }), project({ name: 'b', id: 'ib' })],
    });
    const base: BulkJob = {
      id: 'bjob123',
      action: 'restart',
      actor: 'admin',
      createdAt: '',
      total: 2,
      done: 0,
      failed: 0,
      skipped: 0,
      items: [],
    };
    let asked: string[] = [];
    d.startBulk = async (_s, _action, ids) => ((asked = ids), base);
    d.bulkJob = async () => ({
      ...base,
      finishedAt: 'now',
      done: 1,
      failed: 1,
      items: [
        { instanceId: 'ia', name: 'a', status: 'done' },
        {
          instanceId: 'ib',
          name: 'b',
          status: 'failed',
          error: { code: 'BUSY', message: 'busy' },
        },
      ],
    });
    const r = await run(['projects', 'bulk', 'web', 'restart', '--projects', 'a,b'], d);
    expect(asked).toEqual(['ia', 'ib']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('1 done, 1 failed, 0 skipped of 2');
    expect(r.stdout).toMatch(/b\s+failed\s+BUSY/);

    const bad = await run(['projects', 'bulk', 'web', 'explode', '--projects', 'a'], d);
    expect(bad.code).toBe(2);
  });
});
