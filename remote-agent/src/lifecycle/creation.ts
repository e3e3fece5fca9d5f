import { describeError } from '@common/coded-error';
import type { Compose } from '../docker/compose';
import { sleep, withRetry } from '../docker/retry';
import type { Instance, InstanceFailure, ServiceState } from '@protocol/types';
import { untilAborted } from './cancellation';
import { checkResources } from './resources';
import {
  CREATION_STEPS,
  executeCreation,
  type CreationStep,
  type CreationStepName,
} from './creation-plan';
import type { Operation } from '../operations/journal';
import { readStack, type StackSummary } from './stack-file';
import type { StackDriver } from './stack-driver';
import type { Lease } from '../instances/state';
import { isDiskFull } from '../disk/full-disk';
import { rollBackCreationOnFullDisk } from '../disk/creation-rollback';

interface CreationContext {
  id: string;
  inst: Instance;
  compose?: Compose;
  stack?: StackSummary;
  ready?: ServiceState[];
  /** Aborted by `instances.cancel`: long waits stop at once, the rest at the next step. */
  signal: AbortSignal;
}

/** The steps of one creation; only bringing the stack up leaves something to undo. */
function creationSteps(driver: StackDriver): CreationStep<CreationContext>[] {
  const { deps, progress } = driver;
  return [
    {
      name: 'resources',
      async run({ id }) {
        const host = await checkResources(deps.config.resources, () => deps.docker.readHost());
        progress.record(id, {
          step: 'resources',
          status: 'done',
          message: `${host.memoryAvailableMb} MB memory available, ${host.diskFreeMb} MB disk free, load ${host.load1.toFixed(2)} on ${host.cpus} cores.`,
        });
      },
    },
    {
      name: 'docker',
      async run(ctx) {
        const docker = await driver.pingDocker((attempt, err) =>
          progress.record(ctx.id, {
            step: 'docker',
            status: 'retry',
            attempt,
            message: err.message,
          }),
        );
        ctx.compose = await deps.docker.compose();
        progress.record(ctx.id, {
          step: 'docker',
          status: 'done',
          message: `Docker ${docker.version}, compose ${ctx.compose.version}.`,
        });
      },
    },
    {
      name: 'pull',
      async run(ctx) {
        ctx.stack = await readStack(deps.instanceDir(ctx.id));
        driver.rememberServices(ctx.id, ctx.stack.services);
        await pullImages(driver, ctx.id, [...new Set(ctx.stack.images.values())], ctx.signal);
      },
    },
    {
      name: 'start',
      async run(ctx) {
        progress.record(ctx.id, {
          step: 'start',
          status: 'started',
          message: `compose up (${ctx.stack?.services.length ?? 0} services)`,
        });
        await driver.upUntilSettled(
          ctx.inst,
          ctx.compose!,
          (attempt, message) =>
            progress.record(ctx.id, { step: 'start', status: 'retry', attempt, message }),
          ctx.signal,
        );
        progress.record(ctx.id, { step: 'start', status: 'done' });
      },
      async rollback({ id, inst }) {
        progress.record(id, { step: 'rollback', status: 'started' });
        try {
          await driver.teardown(inst);
          progress.record(id, {
            step: 'rollback',
            status: 'done',
            message: 'Containers, network and volumes removed.',
          });
        } catch (err) {
          progress.record(id, { step: 'rollback', status: 'failed', error: describeError(err) });
          throw err;
        }
      },
    },
    {
      name: 'health',
      async run(ctx) {
        const { id, inst } = ctx;
        const ready = await driver.waitHealthy(
          inst,
          (s) =>
            progress.record(id, {
              step: 'health',
              status: 'progress',
              service: s.service,
              health: s.health,
              message:
                s.health === 'healthy' ? `${s.service} is healthy` : `${s.service} is running`,
            }),
          ctx.signal,
        );
        progress.record(id, { step: 'health', status: 'done' });
        ctx.ready = ready;
      },
    },
  ];
}

/**
 * Runs the creation of a queued instance under its lock: the steps of ./creation-plan.ts, and
 * on a failure the rollback, the failure record (with the real error code) and the audit entry.
 */
export function creationRunner(driver: StackDriver, isClosed: () => boolean) {
  const { deps, progress } = driver;
  const steps = creationSteps(driver);

  return async function runCreation(id: string, signal: AbortSignal): Promise<void> {
    const initial = deps.registry.get(id);
    if (!initial || isClosed()) return;
    let lease: Lease;
    try {
      lease = deps.locks.acquire(id, 'create');
    } catch {
      return; // deleted or operated on meanwhile; the holder decides its fate
    }
    const started = Date.now();
    // Left open when the registry cannot be written: the next start then finishes the job.
    let op: Operation | undefined;
    try {
      progress.record(id, {
        step: 'queued',
        status: 'done',
        queuePosition: 0,
        message: 'Starting.',
      });
      const inst = await deps.registry.update(id, {
        status: 'creating',
        error: undefined,
        services: [],
      });
      const ctx: CreationContext = { id, inst, signal };
      op = await deps.journal?.begin('create', inst, CREATION_STEPS[0]);
      let failure: InstanceFailure | undefined;
      const outcome = await executeCreation(steps, ctx, {
        signal,
        onStep: async (step) => {
          await op?.enter(step);
          if (step !== 'start') progress.record(id, { step, status: 'started' });
        },
        // Taken before the rollback: the failing service's logs go with its container.
        onFailed: async (step, err) => {
          // A crash from here on must not be taken for one while waiting for health.
          await op?.enter('rollback');
          failure = await driver.failureOf(inst, err);
          progress.record(id, {
            step,
            status: 'failed',
            error: { code: failure.code, message: failure.reason },
          });
        },
      });
      if (outcome.ok) {
        await lease.finish(() =>
          deps.registry.update(id, { status: 'running', services: ctx.ready, error: undefined }),
        );
        progress.record(id, {
          step: 'done',
          status: 'done',
          message: `Running after ${((Date.now() - started) / 1000).toFixed(1)} s.`,
        });
        deps.audit({ actor: 'agent', action: 'instances.create.finish', target: id, result: 'ok' });
        await op?.end();
        return;
      }
      await recordFailure(
        id,
        failure ?? (await driver.failureOf(inst, outcome.error)),
        outcome.step,
      );
      await op?.end();
    } catch (err) {
      // The registry itself failed (disk full): record what can be recorded.
      const inst = deps.registry.get(id);
      if (inst) {
        // A full disk: the stack may be up with nobody to own it; undo it (disk/).
        const cause = isDiskFull(err) ? await rollBackCreationOnFullDisk(driver, inst) : err;
        await driver
          .failureOf(inst, cause)
          .then((f) => recordFailure(id, f, 'resources'))
          .catch(() => undefined);
      }
    } finally {
      progress.finish(id);
      lease.release();
    }
  };

  async function recordFailure(id: string, failure: InstanceFailure, step: CreationStepName) {
    if (deps.registry.get(id)) {
      await deps.registry.update(id, { status: 'failed', error: failure, services: [] });
    }
    deps.audit({
      actor: 'agent',
      action: 'instances.create.finish',
      target: id,
      result: 'error',
      code: failure.code,
      detail: { step, service: failure.service },
    });
  }
}

async function pullImages(
  driver: StackDriver,
  id: string,
  images: string[],
  signal: AbortSignal,
): Promise<void> {
  const { engine } = driver.docker;
  const { progress } = driver;
  const missing: string[] = [];
  for (const image of images) {
    if (await engine.imageExists(image)) {
      progress.record(id, {
        step: 'pull',
        status: 'progress',
        image,
        percent: 100,
        message: 'present locally, not pulled',
      });
    } else {
      missing.push(image);
    }
  }
  for (const image of missing) {
    let lastReported = -10;
    let lastAt = 0;
    signal.throwIfAborted();
    await withRetry(
      () =>
        untilAborted(
          engine.pullImage(image, (percent) => {
            // dockerd may go on pulling after a cancel; its story is over by then.
            if (signal.aborted) return;
            // Enough to draw a bar: every 5 points or every second, and the 100.
            const now = Date.now();
            if (percent === 100 || percent - lastReported >= 5 || now - lastAt >= 1_000) {
              lastReported = percent;
              lastAt = now;
              progress.record(id, { step: 'pull', status: 'progress', image, percent });
            }
          }),
          signal,
        ),
      {
        attempts: driver.options.attempts,
        baseDelayMs: driver.options.retryBaseMs,
        sleep: (ms) => untilAborted(sleep(ms), signal),
        onRetry: (attempt, err, delayMs) =>
          progress.record(id, {
            step: 'pull',
            status: 'retry',
            image,
            attempt,
            message: `${err.message} — trying again in ${Math.round(delayMs / 1000)} s`,
          }),
      },
    );
  }
  progress.record(id, {
    step: 'pull',
    status: 'done',
    message:
      missing.length === 0
        ? `All ${images.length} images are present locally; nothing to pull.`
        : `Pulled ${missing.length} of ${images.length} images.`,
  });
}
