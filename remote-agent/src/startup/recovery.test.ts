import { describe, expect, it } from 'vitest';
import type { Instance, RecoveryProgress } from '@protocol/types';
import type { BringUpSteps } from './bring-up';
import { createRecovery } from './recovery';

function instance(id: string): Instance {
  return {
    id,
    name: id,
    owner: 'admin',
    status: 'degraded',
    createdAt: '',
    updatedAt: '',
    exposure: 'private',
    ports: { kongHttp: 1, kongHttps: 2, postgres: 3, poolerTransaction: 4 },
    urls: { studio: '', api: '', database: '' },
    project: `ub_${id}`,
  };
}

/** A sleep the test ends by hand: "Docker's restart policies are done now". */
function manualSleep() {
  const waiting: Array<() => void> = [];
  return {
    sleep: (_ms: number, signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
    release: () => waiting.splice(0).forEach((r) => r()),
    pending: () => waiting.length,
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

function setup(up: Set<string>, ids: string[]) {
  const started: string[] = [];
  const steps: BringUpSteps = {
    meantToBeUp: () => ids.map(instance),
    isUp: async (i) => up.has(i.id),
    startDatabase: async () => true,
    startAll: async (i) => {
      started.push(i.id);
      up.add(i.id);
    },
    whileLocked: (_i, fn) => fn(),
  };
  let connected = true;
  const clock = manualSleep();
  const events: RecoveryProgress[] = [];
  const recovery = createRecovery({
    steps,
    engineConnected: () => connected,
    settleMs: 30_000,
    concurrency: 2,
    emit: (e) => events.push(e),
    sleep: clock.sleep,
  });
  return {
    recovery,
    started,
    events,
    clock,
    up,
    setConnected: (v: boolean) => (connected = v),
  };
}

describe('createRecovery', () => {
  it('holds repairs while Docker restarts containers, then starts only what is still down', async () => {
    const t = setup(new Set(), ['a', 'b', 'c']);
    t.recovery.trigger('engine-restart');
    await tick();
    expect(t.recovery.holdsRepairs()).toBe(true);
    expect(t.events[0]).toMatchObject({ reason: 'engine-restart', phase: 'settling' });
    // Docker's `unless-stopped` brought two back while we waited.
    t.up.add('a');
    t.up.add('b');
    t.clock.release();
    await t.recovery.idle();
    expect(t.started).toEqual(['c']);
    expect(t.recovery.holdsRepairs()).toBe(false);
    expect(t.events.at(-1)).toMatchObject({ phase: 'done', total: 1, done: 1 });
  });

  it('an agent start with everything up holds nothing and says nothing', async () => {
    const t = setup(new Set(['a']), ['a']);
    t.recovery.trigger('agent-start');
    await t.recovery.idle();
    expect(t.events).toEqual([]);
    expect(t.clock.pending()).toBe(0);
    expect(t.recovery.holdsRepairs()).toBe(false);
  });

  it('holds repairs while the engine is away and does nothing until it is back', async () => {
    const t = setup(new Set(), ['a']);
    t.setConnected(false);
    expect(t.recovery.holdsRepairs()).toBe(true);
    t.recovery.trigger('agent-start');
    await t.recovery.idle();
    expect(t.started).toEqual([]);
    t.setConnected(true);
    t.recovery.trigger('engine-restart');
    await tick();
    t.clock.release();
    await t.recovery.idle();
    expect(t.started).toEqual(['a']);
  });

  it('a second engine restart during a pass runs one more pass after it', async () => {
    const t = setup(new Set(), ['a']);
    t.recovery.trigger('engine-restart');
    await tick();
    t.recovery.trigger('engine-restart');
    t.recovery.trigger('engine-restart');
    t.clock.release();
    // The first pass brought `a` up; the queued one finds nothing down and ends at once.
    await t.recovery.idle();
    expect(t.started).toEqual(['a']);
    expect(t.events.filter((e) => e.phase === 'settling')).toHaveLength(1);
  });

  it('close ends a pass that is waiting, without starting anything', async () => {
    const t = setup(new Set(), ['a']);
    t.recovery.trigger('agent-start');
    await tick();
    await t.recovery.close();
    expect(t.started).toEqual([]);
    // The pass cut short still ends, so no desktop keeps its banner up.
    expect(t.events.at(-1)).toMatchObject({ phase: 'done', waiting: [] });
    expect(t.recovery.current()).toBeUndefined();
    t.recovery.trigger('engine-restart');
    await t.recovery.idle();
    expect(t.started).toEqual([]);
  });

  it('current() is the pass under way, for a desktop that connects in the middle', async () => {
    const t = setup(new Set(), ['a', 'b']);
    expect(t.recovery.current()).toBeUndefined();
    t.recovery.trigger('agent-start');
    await tick();
    expect(t.recovery.current()).toMatchObject({ phase: 'settling' });
    t.clock.release();
    await t.recovery.idle();
    expect(t.recovery.current()).toBeUndefined();
    const databases = t.events.filter((e) => e.phase === 'databases');
    // One at the phase's start, one per database started, with who is still waiting.
    expect(databases.map((e) => e.databases)).toEqual([0, 1, 2]);
    expect(databases[0]?.waiting).toEqual(['a', 'b']);
    const services = t.events.filter((e) => e.phase === 'services' && e.outcome === 'up');
    expect(services.map((e) => e.waiting)).toEqual([['b'], []]);
    expect(t.events.at(-1)).toMatchObject({ phase: 'done', done: 2, waiting: [] });
  });
});
