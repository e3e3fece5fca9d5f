import { isAbsolute, relative, resolve } from 'node:path';
import { rm } from 'node:fs/promises';
import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { Instance } from '@protocol/types';
import { checkOperation, settledStatus } from '../instances/state';
import { checkResources } from './resources';
import type { StackDriver } from './stack-driver';

type Op = 'start' | 'stop' | 'restart';
const TRANSITIONAL = { start: 'starting', stop: 'stopping', restart: 'restarting' } as const;

/**
 * start / stop / restart / delete of an existing instance, each under the instance's lock (the
 * same one creation and repair take), each through the state rules of instances/state.ts.
 */
export function instanceOperations(driver: StackDriver, withdraw: (id: string) => void) {
  const { deps } = driver;

  async function operate(id: string, op: Op): Promise<Instance> {
    const inst = driver.mustGet(id);
    checkOperation(inst, op);
    return deps.locks.run(id, op, async (lease) => {
      const before = inst.status;
      // Bringing a stopped stack up costs what a creation costs: the host must have room.
      if (op !== 'stop' && before === 'stopped') {
        await checkResources(deps.config.resources, () => deps.docker.readHost());
      }
      await deps.registry.update(id, { status: TRANSITIONAL[op] });
      try {
        const cmp = await deps.docker.compose();
        if (op === 'stop') {
          await cmp.run(driver.projectOf(inst), 'stop', { timeoutMs: 5 * 60_000 });
          const now = await driver.states(inst).catch(() => []);
          return await lease.finish(() =>
            deps.registry.update(id, { status: 'stopped', services: now }),
          );
        }
        const timeoutMs = driver.healthTimeoutMs() + 2 * 60_000;
        if (op === 'restart') {
          // compose refuses to restart a project whose containers are gone ("No containers to
          // restart"); bringing it up is what the person asked for in that case.
          await cmp
            .run(driver.projectOf(inst), 'restart', { timeoutMs })
            .catch(() => driver.upUntilSettled(inst, cmp));
        } else {
          // `up -d` rather than `start`: it also recreates a container someone removed.
          await driver.upUntilSettled(inst, cmp);
        }
        const ready = await driver.waitHealthy(inst);
        return await lease.finish(() =>
          deps.registry.update(id, { status: 'running', services: ready, error: undefined }),
        );
      } catch (err) {
        const failure = await driver.failureOf(inst, err);
        const now = await driver.states(inst).catch(() => []);
        const status = settledStatus(now, op === 'stop' ? before : 'stopped');
        await deps.registry.update(id, {
          status: status === 'running' ? 'degraded' : status,
          services: now,
          error: failure,
        });
        deps.audit({
          actor: 'agent',
          action: `instances.${op}.finish`,
          target: id,
          result: 'error',
          code: failure.code,
        });
        throw err;
      }
    });
  }

  /** rm -rf of the instance's directory, refused anywhere outside the data directory. */
  async function removeInstanceDir(id: string): Promise<void> {
    const dir = resolve(deps.instanceDir(id));
    const rel = relative(resolve(deps.config.dataDir), dir);
    if (!rel || rel.startsWith('..') || isAbsolute(rel)) {
      throw new AgentError(
        ErrorCode.INTERNAL,
        `Refusing to delete ${dir}: it is not inside the data directory.`,
      );
    }
    await rm(dir, { recursive: true, force: true });
  }

  return {
    start: (id: string) => operate(id, 'start'),
    stop: (id: string) => operate(id, 'stop'),
    restart: (id: string) => operate(id, 'restart'),

    async remove(id: string): Promise<void> {
      const inst = driver.mustGet(id);
      withdraw(id);
      await deps.locks.run(id, 'delete', async () => {
        await deps.registry.update(id, { status: 'deleting' });
        try {
          await driver.teardown(inst);
          await removeInstanceDir(id);
        } catch (err) {
          const failure = await driver.failureOf(inst, err);
          await deps.registry.update(id, { status: 'failed', error: failure });
          throw err;
        }
      });
      driver.forget(id);
    },
  };
}
