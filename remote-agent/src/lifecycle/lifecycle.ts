import { COMPOSE_SERVICE_LABEL } from '../docker/engine';
import { summarizeStats } from '../docker/stats-math';
import { ErrorCode } from '@protocol/error-codes';
import type { Instance, ServiceStats } from '@protocol/types';
import { cancelledError } from './cancellation';
import { creationRunner } from './creation';
import { LiveStatus } from './live-status';
import { ContainerExitWatch, hostExitWatchFs, type ExitWatchFs } from './exit-watch';
import { followLogs } from './logs';
import { instanceOperations } from './operations';
import { LifecycleError } from './lifecycle-error';
import { CreationQueue } from './queue';
import { reconciler } from './reconciler';
import { StackDriver } from './stack-driver';
import { readStack } from './stack-file';
import type { Lifecycle, LifecycleDeps } from './types';
import { byCodeUnit } from '../common/compare';

export interface LifecycleOptions {
  /** Tries per image pull and per Docker ping, the first included. */
  attempts?: number;
  retryBaseMs?: number;
  /** Coalesces a burst of events (a stack stopping) into one status update. */
  statusDebounceMs?: number;
  /** Where the exit fast path reads the kernel's cgroup events; false: Docker's events only. */
  exitWatch?: ExitWatchFs | false;
}

/** The lifecycle plus what an embedding agent or a test may want to look at. */
export interface DockerLifecycle extends Lifecycle {
  /** Resolves when no creation runs or waits. */
  idle(): Promise<void>;
  /** The shared driver (Docker view, health waits, progress), for operations built on it. */
  readonly driver: StackDriver;
  /** Re-reads the services of a stack whose compose file changed (an optional service turned off). */
  stackChanged(instanceId: string): Promise<void>;
}

/**
 * The agent's Docker side, assembled from its parts: the creation queue and steps
 * (./creation.ts), the operations (./operations.ts), live status from Docker's events
 * (./live-status.ts) and the reconciler (./reconciler.ts). Persists nothing itself: every
 * status change goes through the registry, every operation through the shared instance lock.
 */
export function createLifecycle(
  deps: LifecycleDeps,
  options: LifecycleOptions = {},
): DockerLifecycle {
  const driver = new StackDriver(deps, {
    attempts: options.attempts ?? 4,
    retryBaseMs: options.retryBaseMs ?? 1_000,
  });
  const { progress } = driver;
  const logFollows = new Set<{ cancel(): void }>();
  let closed = false;

  const runCreation = creationRunner(driver, () => closed);
  /** Creations under way, each with the switch `instances.cancel` pulls. */
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  const queue = new CreationQueue(
    deps.config.creationConcurrency,
    (id) => {
      const controller = new AbortController();
      const done = runCreation(id, controller.signal).finally(() => running.delete(id));
      running.set(id, { controller, done });
      return done;
    },
    (id, position) => {
      progress.record(id, {
        step: 'queued',
        status: 'progress',
        queuePosition: position,
        message: `Waiting for ${position === 1 ? 'the creation in progress' : `${position} creations ahead`} to finish.`,
      });
    },
  );
  // The kernel's word on a stopped container, ahead of Docker's (off in tests with fakes).
  const exits =
    options.exitWatch === false
      ? undefined
      : new ContainerExitWatch(options.exitWatch ?? hostExitWatchFs, (project, service) => {
          void live.exited(project, service).catch(() => {});
        });
  const live: LiveStatus = new LiveStatus(driver, options.statusDebounceMs ?? 100, exits);
  const operations = instanceOperations(driver, (id) => queue.withdraw(id));

  function enqueueCreate(instanceId: string): { queuePosition: number } {
    driver.mustGet(instanceId);
    if (!queue.has(instanceId)) {
      progress.begin(instanceId);
      // The control plane did these before calling us (see ./types.ts); a late subscriber
      // still sees the whole list of steps.
      for (const step of ['validate', 'ports', 'credentials', 'files'] as const) {
        progress.record(instanceId, { step, status: 'done' });
      }
    }
    return { queuePosition: queue.enqueue(instanceId) };
  }

  async function cancelCreate(instanceId: string): Promise<Instance> {
    const inst = driver.mustGet(instanceId);
    if (queue.withdraw(instanceId)) {
      // Never reached Docker: only the record changes. It stays, failed, so the person sees
      // what became of it; deleting it frees its ports like any failed creation.
      const failure = cancelledError();
      await deps.registry.update(instanceId, {
        status: 'failed',
        services: [],
        error: { code: failure.code, reason: failure.message, at: new Date().toISOString() },
      });
      progress.record(instanceId, {
        step: 'queued',
        status: 'failed',
        error: { code: failure.code, message: failure.message },
      });
      progress.finish(instanceId);
      deps.audit({
        actor: 'agent',
        action: 'instances.create.finish',
        target: instanceId,
        result: 'error',
        code: failure.code,
        detail: { step: 'queued' },
      });
      return driver.mustGet(instanceId);
    }
    const creation = running.get(instanceId);
    if (!creation) {
      throw new LifecycleError(
        ErrorCode.INVALID_STATE,
        `This instance is ${inst.status}, not being created: there is nothing to cancel.`,
        { status: inst.status },
      );
    }
    creation.controller.abort(cancelledError());
    await creation.done.catch(() => undefined);
    return driver.mustGet(instanceId);
  }

  const reconcile = reconciler(driver, live, {
    has: (id) => queue.has(id),
    enqueue: enqueueCreate,
  });

  // Detect compose now, off the creation path: with v1 the probe is a Python start (~1 s).
  void deps.docker.compose().catch(() => {});
  const unsubscribe = deps.docker.onEvents({
    onEvent: (project) => live.onEvent(project),
    onReconnected: () => void reconcile().catch(() => {}),
  });

  return {
    enqueueCreate,
    cancelCreate,
    ...operations,
    progress: (id) => progress.get(id),
    reconcile,
    idle: () => queue.idle(),
    driver,

    followLogs(instanceId, opts, sink) {
      const inst = driver.mustGet(instanceId);
      const handle = followLogs(
        deps.docker.engine,
        inst.project,
        opts,
        {
          write: (lines, source) => sink.write(lines, source),
          ...(sink.writeRecords && {
            writeRecords: sink.writeRecords.bind(sink),
          }),
          onDrain: (resume) => sink.onDrain(resume),
          end: (error) => {
            logFollows.delete(handle);
            sink.end(error);
          },
        },
        (ms) => driver.signals.next(inst.project, ms),
      );
      logFollows.add(handle);
      return {
        cancel() {
          logFollows.delete(handle);
          handle.cancel();
        },
      };
    },

    async stats(id) {
      const inst = driver.mustGet(id);
      const { engine } = deps.docker;
      const containers = await engine.listContainers({ project: inst.project });
      const out = await Promise.all(
        containers.map(async (c): Promise<ServiceStats | undefined> => {
          const service = c.Labels[COMPOSE_SERVICE_LABEL];
          if (!service) return undefined;
          const raw = await engine.stats(c.Id).catch(() => undefined);
          return raw ? { service, ...summarizeStats(raw) } : undefined;
        }),
      );
      return out
        .filter((s): s is ServiceStats => s !== undefined)
        .sort((a, b) => byCodeUnit(a.service, b.service));
    },

    async stackChanged(id) {
      const services = await readStack(deps.instanceDir(id)).then(
        (stack) => stack.services,
        () => undefined,
      );
      if (services) driver.rememberServices(id, services);
    },

    async close() {
      closed = true;
      unsubscribe();
      live.close();
      for (const h of logFollows) h.cancel();
      logFollows.clear();
    },
  };
}
