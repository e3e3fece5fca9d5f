import { describe, expect, it } from 'vitest';
import type { Instance, RecoveryProgress } from '@protocol/types';
import { bringUp, type BringUpSteps } from './bring-up';

function instance(id: string, status: Instance['status']): Instance {
  return {
    id,
    name: id,
    owner: 'admin',
    status,
    createdAt: '',
    updatedAt: '',
    exposure: 'private',
    ports: { kongHttp: 1, kongHttps: 2, postgres: 3, poolerTransaction: 4 },
    urls: { studio: '', api: '', database: '' },
    project: `ub_${id}`,
  };
}

/**
 * A host after a reboot: `up` holds the projects whose stacks are up; every start takes one
 * macrotask, so projects started "at once" really overlap and the peak can be measured.
 */
function fakeHost(instances: Instance[], up: Set<string>) {
  const log: string[] = [];
  let running = 0;
  let peak = 0;
  const busy = new Set<string>();
  const failAll = new Set<string>();
  const work = async (entry: string, fail = false) => {
    running += 1;
    peak = Math.max(peak, running);
    log.push(entry);
    await new Promise((r) => setTimeout(r, 1));
    running -= 1;
    if (fail) throw new Error(`${entry} failed`);
  };
  const steps: BringUpSteps = {
    meantToBeUp: () => instances.filter((i) => i.status === 'running' || i.status === 'degraded'),
    isUp: async (i) => up.has(i.id),
    startDatabase: async (i) => {
      await work(`db ${i.id}`);
      return true;
    },
    startAll: async (i) => {
      await work(`all ${i.id}`, failAll.has(i.id));
      up.add(i.id);
    },
    whileLocked: async (i, fn) => (busy.has(i.id) ? undefined : fn()),
  };
  return { steps, log, busy, failAll, peak: () => peak };
}

describe('bringUp', () => {
  it('starts every database before any stack, at most N projects at once, and reports progress', async () => {
    const instances = Array.from({ length: 10 }, (_, n) => instance(`p${n}`, 'degraded'));
    const host = fakeHost(instances, new Set());
    const events: RecoveryProgress[] = [];
    const result = await bringUp(host.steps, {
      reason: 'agent-start',
      concurrency: 3,
      progress: (e) => events.push(e),
    });
    expect(result.started).toHaveLength(10);
    expect(host.peak()).toBe(3);
    const firstStack = host.log.findIndex((l) => l.startsWith('all'));
    expect(host.log.slice(0, firstStack).every((l) => l.startsWith('db'))).toBe(true);
    expect(firstStack).toBe(10);
    expect(events[0]).toMatchObject({ phase: 'databases', total: 10, done: 0 });
    expect(events.filter((e) => e.outcome === 'up')).toHaveLength(10);
    expect(events.at(-1)).toMatchObject({ phase: 'done', total: 10, done: 10, failed: 0 });
  });

  it('leaves stopped projects stopped and does not touch stacks Docker already brought back', async () => {
    const instances = [
      instance('stopped1', 'stopped'),
      instance('upalready', 'running'),
      instance('down1', 'running'),
      instance('failed1', 'failed'),
    ];
    const host = fakeHost(instances, new Set(['upalready']));
    const result = await bringUp(host.steps, {
      reason: 'engine-restart',
      concurrency: 4,
      progress: () => {},
    });
    expect(host.log).toEqual(['db down1', 'all down1']);
    expect(result).toEqual({ started: ['down1'], failed: [], skipped: ['upalready'] });
  });

  it('reports a project that does not come up and goes on with the others', async () => {
    const instances = [instance('a', 'degraded'), instance('b', 'degraded')];
    const host = fakeHost(instances, new Set());
    host.failAll.add('a');
    const events: RecoveryProgress[] = [];
    const result = await bringUp(host.steps, {
      reason: 'agent-start',
      concurrency: 1,
      progress: (e) => events.push(e),
    });
    expect(result.started).toEqual(['b']);
    expect(result.failed).toEqual([{ instanceId: 'a', message: 'all a failed' }]);
    expect(events.at(-1)).toMatchObject({ phase: 'done', total: 2, done: 1, failed: 1 });
  });

  it('skips a project another operation holds (a person acting on it decides)', async () => {
    const instances = [instance('held', 'degraded'), instance('free', 'degraded')];
    const host = fakeHost(instances, new Set());
    host.busy.add('held');
    const result = await bringUp(host.steps, {
      reason: 'agent-start',
      concurrency: 2,
      progress: () => {},
    });
    expect(result.started).toEqual(['free']);
    expect(result.skipped).toEqual(['held']);
    expect(host.log.some((l) => l.endsWith('held'))).toBe(false);
  });

  it('stops taking the next project once aborted (agent shutdown)', async () => {
    const instances = Array.from({ length: 6 }, (_, n) => instance(`p${n}`, 'degraded'));
    const host = fakeHost(instances, new Set());
    const controller = new AbortController();
    controller.abort();
    const result = await bringUp(host.steps, {
      reason: 'agent-start',
      concurrency: 2,
      progress: () => {},
      signal: controller.signal,
    });
    expect(host.log).toEqual([]);
    expect(result.started).toEqual([]);
  });
});
