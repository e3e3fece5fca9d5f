import { AgentError } from '@common/coded-error';
import { DockerError } from '../docker/docker-error';
import { allReady, settledStatus } from '../instances/state';
import { ErrorCode } from '@protocol/error-codes';
import type { Instance } from '@protocol/types';
import type { LiveStatus } from './live-status';
import type { StackDriver } from './stack-driver';
import { worstService } from './status';

/**
 * The one start-up (and dockerd-is-back) alignment of the registry with Docker: the queue
 * lived in memory, so `queued` entries are queued again; a creation or an operation cut short
 * by a restart is judged by what Docker shows; an interrupted delete is reported. Docker down
 * must not stop the agent: what needs Docker waits for the event follower's reconnect, except
 * a cut-off creation, which nothing would ever finish.
 */
export function reconciler(
  driver: StackDriver,
  live: LiveStatus,
  queue: { has(id: string): boolean; enqueue(id: string): void },
) {
  const { deps } = driver;
  const interrupted = (what: string) => ({
    code: ErrorCode.CANCELLED,
    reason: `${what} was interrupted (the agent stopped). Delete the instance and create it again.`,
    at: new Date().toISOString(),
  });

  async function reconcileOne(inst: Instance, dockerDown: boolean): Promise<void> {
    switch (inst.status) {
      case 'queued':
        queue.enqueue(inst.id);
        return;
      case 'creating': {
        if (dockerDown) {
          await deps.registry.update(inst.id, {
            status: 'failed',
            error: interrupted('Creation'),
            services: [],
          });
          return;
        }
        const now = await driver.states(inst);
        if (allReady(now)) {
          await deps.registry.update(inst.id, { status: 'running', services: now });
          return;
        }
        const failure = await driver.failureOf(
          inst,
          new AgentError(
            ErrorCode.CANCELLED,
            'Creation was interrupted (the agent stopped) before the stack was healthy; it was ' +
              'rolled back. Delete this instance and create it again.',
            { service: worstService(now)?.service },
          ),
        );
        await driver.teardown(inst);
        await deps.registry.update(inst.id, { status: 'failed', error: failure, services: [] });
        return;
      }
      case 'starting':
      case 'stopping':
      case 'restarting': {
        // An operation was cut short: say what Docker shows.
        const now = await driver.states(inst);
        await deps.registry.update(inst.id, { status: settledStatus(now), services: now });
        return;
      }
      case 'deleting':
        await deps.registry.update(inst.id, {
          status: 'failed',
          error: {
            code: ErrorCode.CANCELLED,
            reason: 'Deletion was interrupted (the agent stopped). Delete the instance again.',
            at: new Date().toISOString(),
          },
        });
        return;
      case 'running':
      case 'degraded':
      case 'stopped':
        await live.apply(inst);
        return;
      default:
        return;
    }
  }

  return async function reconcile(): Promise<void> {
    let dockerDown = false;
    for (const inst of deps.registry.list()) {
      if (deps.locks.isBusy(inst.id) || queue.has(inst.id)) continue;
      if (dockerDown && inst.status !== 'queued' && inst.status !== 'creating') continue;
      try {
        await reconcileOne(inst, dockerDown);
      } catch (err) {
        if (err instanceof DockerError && err.code === ErrorCode.DOCKER_UNAVAILABLE) {
          dockerDown = true;
          if (inst.status === 'creating') await reconcileOne(inst, true).catch(() => undefined);
        }
      }
    }
  };
}
