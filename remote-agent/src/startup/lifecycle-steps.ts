import { allReady, settledStatus } from '../instances/state';
import { waitUntilHealthy } from '../lifecycle/health';
import type { StackDriver } from '../lifecycle/stack-driver';
import type { Instance } from '@protocol/types';
import type { BringUpSteps } from './bring-up';

/** The service that holds a project's data; it goes first (./bring-up.ts). */
export const DATABASE_SERVICE = 'db';

const MEANT_TO_BE_UP = new Set(['running', 'degraded']);

/**
 * The bring-up's steps on the real lifecycle: the registry says what is meant to be up, the
 * driver's Docker view what is, compose starts what is missing, each project under the same
 * instance lock every operation takes (a person's stop or delete is never raced).
 */
export function lifecycleSteps(driver: StackDriver): BringUpSteps {
  const { registry, locks } = driver.deps;
  const timeoutMs = () => driver.healthTimeoutMs();

  return {
    meantToBeUp: () => registry.list().filter((i) => MEANT_TO_BE_UP.has(i.status)),

    async isUp(instance) {
      return allReady(await driver.states(instance));
    },

    async startDatabase(instance) {
      if (!(await driver.servicesOf(instance)).includes(DATABASE_SERVICE)) return false;
      const cmp = await driver.docker.compose();
      await cmp.run(driver.projectOf(instance), 'up', {
        timeoutMs: timeoutMs() + 60_000,
        extra: [DATABASE_SERVICE],
      });
      await waitUntilHealthy({
        read: async () =>
          (await driver.states(instance)).filter((s) => s.service === DATABASE_SERVICE),
        waitForChange: (ms) => driver.signals.next(instance.project, ms),
        timeoutMs: timeoutMs(),
      });
      return true;
    },

    async startAll(instance) {
      await registry.update(instance.id, { status: 'starting' });
      try {
        const cmp = await driver.docker.compose();
        await driver.upUntilSettled(instance, cmp);
        const ready = await driver.waitHealthy(instance);
        await registry.update(instance.id, {
          status: 'running',
          services: ready,
          error: undefined,
        });
      } catch (error) {
        const failure = await driver.failureOf(instance, error);
        const now = await driver.states(instance).catch(() => []);
        // Still meant to be up: `degraded`, so the repair scheduler and alerts take it from here.
        await registry.update(instance.id, {
          status: settledStatus(now) === 'running' ? 'running' : 'degraded',
          services: now,
          error: failure,
        });
        throw error;
      }
    },

    async whileLocked<T>(instance: Instance, fn: () => Promise<T>) {
      if (locks.isBusy(instance.id)) return undefined;
      const fresh = registry.get(instance.id);
      if (!fresh || !MEANT_TO_BE_UP.has(fresh.status)) return undefined;
      return locks.run(instance.id, 'start', fn);
    },
  };
}
