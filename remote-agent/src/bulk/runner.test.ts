import { describe, expect, it } from 'vitest';
import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { AgentEvent, DiagnosticReport, Instance, InstanceStatus } from '@protocol/types';
import type { Caller } from '../auth/service';
import { BulkRunner, type BulkDeps } from './runner';

const admin: Caller = { username: 'ana', role: 'admin', grants: [], tokenHash: 'h1' };
const bob: Caller = { username: 'bob', role: 'user', grants: [], tokenHash: 'h2' };

function instance(id: string, status: InstanceStatus, owner = 'ana'): Instance {
  return { id, name: `name-${id}`, owner, status } as Instance;
}

/** Small fakes for the instance service: each call waits for the test to let it finish. */
function fakes(instances: Instance[]) {
  const events: AgentEvent[] = [];
  const audits: { action: string; target?: string; result: string }[] = [];
  const calls: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const failing = new Map<string, AgentError>();
  const op = (name: string) => async (caller: Caller, id: string) => {
    deps.get(caller, id);
    calls.push(`${name} ${id}`);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, 2));
    inFlight -= 1;
    const failure = failing.get(id);
    if (failure) throw failure;
  };
  const deps: BulkDeps = {
    get: (caller, id) => {
      const i = instances.find((x) => x.id === id);
      if (!i || (caller.role !== 'admin' && i.owner !== caller.username)) {
        throw new AgentError(ErrorCode.NOT_FOUND, `There is no instance "${id}".`);
      }
      return i;
    },
    start: op('start'),
    stop: op('stop'),
    restart: op('restart'),
    diagnose: async (caller, id) => {
      await op('diagnose')(caller, id);
      return { status: id === 'i2' ? 'warn' : 'ok' } as DiagnosticReport;
    },
    emit: (e) => events.push(e),
    audit: (e) => audits.push(e),
    now: () => new Date('2026-12-02T08:00:00Z'),
    concurrency: 3,
  };
  return {
    deps,
    events,
    audits,
    calls,
    failing,
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

describe('BulkRunner', () => {
  it('runs every item, a few at a time, and summarises what failed', async () => {
    const list = Array.from({ length: 10 }, (_, n) => instance(`i${n}`, 'running'));
    const f = fakes(list);
    f.failing.set(
      'i4',
      new AgentError(ErrorCode.BUSY, 'This instance is busy (stop in progress).'),
    );
    const runner = new BulkRunner(f.deps);

    const job = runner.start(admin, 'restart', list.map((i) => i.id).concat('i1'));
    expect(job).toMatchObject({ total: 10, done: 0, failed: 0, actor: 'ana' });
    expect(job.items.every((i) => i.status === 'pending')).toBe(true);
    await runner.idle();

    const end = runner.get(admin, job.id);
    expect(end).toMatchObject({ total: 10, done: 9, failed: 1, skipped: 0 });
    expect(end.finishedAt).toBeDefined();
    expect(end.items.find((i) => i.instanceId === 'i4')).toMatchObject({
      status: 'failed',
      error: { code: 'BUSY' },
    });
    expect(f.calls.filter((c) => c.startsWith('restart'))).toHaveLength(10);
    expect(f.maxInFlight).toBe(3);
    // One event when it begins, two per item (running, then done/failed), one at the end.
    const progress = f.events.filter((e) => e.type === 'bulk.progress');
    expect(progress).toHaveLength(1 + 2 * 10 + 1);
    expect(progress.at(-1)).toMatchObject({ job: { done: 9, failed: 1 } });
    expect(f.audits).toHaveLength(10);
    expect(f.audits.find((a) => a.target === 'i4')).toMatchObject({
      action: 'instances.restart',
      result: 'error',
    });
  });

  it('skips what the action does not apply to, and fails what the caller may not see', async () => {
    const f = fakes([
      instance('mine1', 'running', 'bob'),
      instance('mine2', 'stopped', 'bob'),
      instance('other', 'stopped', 'ana'),
      instance('dry', 'created', 'bob'),
    ]);
    const runner = new BulkRunner(f.deps);
    const job = runner.start(bob, 'start', ['mine1', 'mine2', 'other', 'dry', 'gone00']);
    await runner.idle();
    const end = runner.get(bob, job.id);
    expect(end.items.map((i) => [i.instanceId, i.status, i.error?.code])).toEqual([
      ['mine1', 'skipped', 'INVALID_STATE'],
      ['mine2', 'done', undefined],
      ['other', 'failed', 'NOT_FOUND'],
      ['dry', 'skipped', 'INVALID_STATE'],
      ['gone00', 'failed', 'NOT_FOUND'],
    ]);
    expect(f.calls).toEqual(['start mine2']);
    // The item of another person's project carries no name of it.
    expect(end.items[2]!.name).toBe('other');
  });

  it('records the diagnosis verdict per item', async () => {
    const f = fakes([instance('i1', 'running'), instance('i2', 'degraded')]);
    const runner = new BulkRunner(f.deps);
    const job = runner.start(admin, 'diagnose', ['i1', 'i2']);
    await runner.idle();
    expect(runner.get(admin, job.id).items.map((i) => i.verdict)).toEqual(['ok', 'warn']);
  });

  it('shows a job only to who asked and to admins', async () => {
    const f = fakes([instance('b1', 'running', 'bob')]);
    const runner = new BulkRunner(f.deps);
    const job = runner.start(bob, 'stop', ['b1']);
    await runner.idle();
    expect(runner.get(admin, job.id).id).toBe(job.id);
    const carol: Caller = { username: 'carol', role: 'user', grants: [], tokenHash: 'h3' };
    expect(() => runner.get(carol, job.id)).toThrow(/no bulk job/);
    expect(runner.list(carol)).toEqual([]);
    expect(runner.list(bob)).toHaveLength(1);
  });
});
