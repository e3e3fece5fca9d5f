import { describe, expect, it } from 'vitest';
import type { Instance, ServiceState } from '@protocol/types';
import { LiveStatus } from './live-status';
import type { StackDriver } from './stack-driver';

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
    states: async () => {
      looks.push(Date.now());
      return states;
    },
  } as unknown as StackDriver;
  return { driver, inst, looks, setStates: (s: ServiceState[]) => (states = s) };
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
});
