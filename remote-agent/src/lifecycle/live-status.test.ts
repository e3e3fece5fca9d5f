import { describe, expect, it } from 'vitest';
import type { Instance, ServiceState } from '@protocol/types';
import { LiveStatus } from './live-status';
import type { StackDriver } from './stack-driver';
import { ContainerExitWatch, type ExitWatchFs } from './exit-watch';
import type { RunningContainer } from './status';

/** The parts of the driver LiveStatus uses: one running instance, and a count of looks. */
function fakeDriver() {
  const inst = {
    id: 'i1',
    project: 'ub_i1',
    status: 'running',
    services: [],
  } as unknown as Instance;
  const looks: number[] = [];
  let states: ServiceState[] = [];
  let running: RunningContainer[] = [];
  const driver = {
    signals: { notify: () => {} },
    deps: {
      registry: {
        list: () => [inst],
        get: () => inst,
        update: async (_id: string, patch: Partial<Instance>) => Object.assign(inst, patch),
      },
      locks: { isBusy: () => false },
    },
    states: async (_i: Instance, onRunning?: (c: RunningContainer) => void) => {
      looks.push(Date.now());
      for (const c of running) onRunning?.(c);
      return structuredClone(states);
    },
  } as unknown as StackDriver;
  return {
    driver,
    inst,
    looks,
    setStates: (s: ServiceState[], r: RunningContainer[] = []) => {
      states = s;
      running = r;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LiveStatus', () => {
  it('looks at the first event at once, not after the debounce', async () => {
    const { driver, looks, inst, setStates } = fakeDriver();
    const live = new LiveStatus(driver, 10_000);
    setStates([{ service: 'db', state: 'exited' } as unknown as ServiceState]);
    const t0 = Date.now();
    live.onEvent('ub_i1');
    await sleep(20);
    expect(looks).toHaveLength(1);
    expect((looks[0] ?? Infinity) - t0).toBeLessThan(20);
    expect(inst.status).not.toBe('running');
    live.close();
  });

  it('coalesces the rest of a burst into one more look', async () => {
    const { driver, looks } = fakeDriver();
    const live = new LiveStatus(driver, 30);
    for (let i = 0; i < 12; i++) live.onEvent('ub_i1');
    await sleep(100);
    expect(looks).toHaveLength(2);
    live.close();
  });

  it('shows a container the kernel saw stop as exited at once, until Docker reports it itself', async () => {
    const { driver, inst, setStates } = fakeDriver();
    let cgroup = 'populated 1\n';
    let notify = () => {};
    const fs: ExitWatchFs = {
      eventsFile: async () => '/cg/db/cgroup.events',
      watch: (_p, changed) => {
        notify = changed;
        return () => {};
      },
      read: async () => cgroup,
    };
    const live: LiveStatus = new LiveStatus(
      driver,
      1,
      new ContainerExitWatch(fs, (project, service) => void live.exited(project, service)),
    );
    const up = { service: 'db', state: 'running', health: 'healthy', restarts: 0 } as const;
    setStates([up], [{ service: 'db', id: 'c1', pid: 7 }]);
    await live.apply(inst);
    await sleep(5);
    expect(inst.status).toBe('running');
    // The kernel: the cgroup emptied. Docker has said nothing yet.
    cgroup = 'populated 0\n';
    notify();
    await sleep(5);
    expect(inst.status).toBe('degraded');
    expect(inst.services?.[0]).toMatchObject({ service: 'db', state: 'exited' });
    // An event before Docker caught up (its `kill`): Docker still lists it running. Kept exited.
    live.onEvent('ub_i1');
    await sleep(5);
    expect(inst.services?.[0]?.state).toBe('exited');
    // Docker's `die`: its own state (with the exit code) replaces ours.
    setStates([{ service: 'db', state: 'exited', health: 'none', restarts: 0, exitCode: 137 }]);
    live.onEvent('ub_i1');
    await sleep(5);
    expect(inst.services?.[0]).toMatchObject({ state: 'exited', exitCode: 137 });
    // Started again (new pid): running, and watched again.
    setStates([up], [{ service: 'db', id: 'c1', pid: 8 }]);
    cgroup = 'populated 1\n';
    live.onEvent('ub_i1');
    await sleep(5);
    expect(inst.status).toBe('running');
    live.close();
  });
});
