import { describe, expect, it } from 'vitest';
import type { BulkJob } from '@contract/api';
import { createAppStore } from '../app/store';
import { project, testApi } from '../app/testApi';
import { bulkPlan } from './bulkSlice';
import { matchesQuery, tagChoices } from './fleet';
import { sumUsage } from './fleetUsage';
import { visibleProjects } from './projectsSlice';
import { parseTagInput } from './TagsDialog';

const acme = project({ id: 'a', name: 'loja', tags: ['cliente:acme', 'env:staging'] });
const sol = project({ id: 'b', name: 'site', tags: ['cliente:padaria-sol', 'env:prod'] });
const bare = project({ id: 'c', name: 'blog' });

describe('tags in the fleet view', () => {
  it('searches tags along with names and servers', () => {
    expect(matchesQuery(acme, 'ACME')).toBe(true);
    expect(matchesQuery(sol, 'staging')).toBe(false);
    expect(matchesQuery(bare, 'acme')).toBe(false);
  });

  it('filters by a whole tag or by its key, and lists both as choices', () => {
    const all = Object.fromEntries([acme, sol, bare].map((p) => [`${p.serverId}/${p.id}`, p]));
    const ids = (tag: string) =>
      visibleProjects(all, { serverId: 'all', query: '', tag }).map((p) => p.id);
    expect(ids('cliente:acme')).toEqual(['a']);
    expect(ids('env')).toEqual(['a', 'b']);
    expect(ids('')).toEqual(['c', 'a', 'b']);
    expect(tagChoices([acme, sol, bare])).toEqual([
      'cliente',
      'cliente:acme',
      'cliente:padaria-sol',
      'env',
      'env:prod',
      'env:staging',
    ]);
  });

  it('reads typed tags one per line or comma', () => {
    expect(parseTagInput('cliente:acme, env:staging\n\n vip ')).toEqual([
      'cliente:acme',
      'env:staging',
      'vip',
    ]);
  });
});

describe('CPU and memory cells', () => {
  it('sum the containers of a project', () => {
    const s = (cpuPercent: number, memoryBytes: number) => ({
      service: 'x',
      cpuPercent,
      memoryBytes,
      memoryLimitBytes: 0,
      networkRxBytes: 0,
      networkTxBytes: 0,
    });
    expect(sumUsage([s(12.5, 100), s(0.5, 50)], 7)).toEqual({
      cpuPercent: 13,
      memoryBytes: 150,
      at: 7,
    });
  });
});

describe('bulk actions', () => {
  it('tells in the confirmation which projects the action skips', () => {
    const plan = bulkPlan('start', [
      project({ id: 'r', status: 'running' }),
      project({ id: 's', status: 'stopped' }),
      project({ id: 'f', status: 'failed' }),
    ]);
    expect(plan.map((p) => p.skip)).toEqual(['already-running', undefined, 'failed-creation']);
  });

  it('starts one job per server and follows its items through events', async () => {
    const calls: [string, string, string[]][] = [];
    const job = (serverId: string, ids: string[]): BulkJob => ({
      id: `job-${serverId}`,
      action: 'restart',
      actor: 'ana',
      createdAt: '',
      total: ids.length,
      done: 0,
      failed: 0,
      skipped: 0,
      items: ids.map((id) => ({ instanceId: id, name: id, status: 'pending' })),
    });
    const api = testApi({
      startBulk: async (serverId, action, ids) => (
        calls.push([serverId, action, ids]),
        job(serverId, ids)
      ),
      bulkJob: async (serverId) => ({ ...job(serverId, ['p1']), finishedAt: 'x', failed: 1 }),
    });
    const store = createAppStore(api);
    const one = project({ id: 'p1', serverId: 's1', serverName: 'eu' });
    const two = project({ id: 'p2', serverId: 's1', serverName: 'eu' });
    const three = project({ id: 'p3', serverId: 's2', serverName: 'us' });
    await store.getState().startBulk('restart', [one, two, three]);
    expect(calls).toEqual([
      ['s1', 'restart', ['p1', 'p2']],
      ['s2', 'restart', ['p3']],
    ]);
    const s = store.getState();
    const summary = { ...job('s1', []), total: 2, done: 1 };
    s.applyBulkProgress('s1', summary, { instanceId: 'p1', name: 'p1', status: 'done' });
    // A late "running" for an item already done does not take it back.
    s.applyBulkProgress('s1', summary, { instanceId: 'p1', name: 'p1', status: 'running' });
    const tracked = store.getState().bulkJobs['s1/job-s1']!;
    expect(tracked.items.find((i) => i.instanceId === 'p1')!.status).toBe('done');
    expect(tracked.items).toHaveLength(2);
    expect(tracked.done).toBe(1);
  });
});
