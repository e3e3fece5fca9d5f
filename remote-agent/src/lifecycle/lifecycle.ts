import { rm } from 'node:fs/promises';
import { relative, resolve, isAbsolute } from 'node:path';
import { ErrorCode } from '../protocol/errors';
import type { Instance, InstanceFailure, ServiceState, ServiceStats } from '../protocol/types';
import { createCompose, detectCompose, type Compose, type ComposeProject } from '../docker/compose';
import { createDockerEngine, COMPOSE_SERVICE_LABEL, type DockerEngine } from '../docker/engine';
import { DockerError } from '../docker/errors';
import { withRetry } from '../docker/retry';
import { summarizeStats } from '../docker/stats-math';
import { describeError, LifecycleError } from './errors';
import { waitUntilHealthy } from './health';
import { lastLogLines } from './last-logs';
import { OperationLocks } from './locks';
import { followLogs } from './logs';
import { ProgressLog } from './progress';
import { CreationQueue } from './queue';
import { checkResources, probeHost, type HostProbe } from './resources';
import { ProjectSignals } from './signals';
import { readStack } from './stack-file';
import { liveStatus, readServiceStates, worstService, isReady } from './status';
import { removeProject } from './teardown';
import type { Lifecycle, LifecycleDeps } from './types';
import { DockerEventFollower } from './watcher';

export interface LifecycleOptions {
  engine?: DockerEngine;
  /** The compose CLI; detected on first use when absent. */
  compose?: Compose;
  probe?: HostProbe;
  /** Tries per image pull and per Docker ping, the first included. */
  attempts?: number;
  retryBaseMs?: number;
  /** Coalesces a burst of events (a stack stopping) into one status update. */
  statusDebounceMs?: number;
}

const DEFAULT_HEALTH_TIMEOUT_MS = 5 * 60_000;

/** The lifecycle plus what an embedding agent or a test may want to look at. */
export interface DockerLifecycle extends Lifecycle {
  /** Compose and Docker versions, once known (for `system.resources`). */
  versions(): Promise<{ docker?: string; compose?: string }>;
  /** Resolves when no creation runs or waits. */
  idle(): Promise<void>;
}

/**
 * The agent's Docker side (the seam is `./types.ts`). Owns the creation queue, one-operation-
 * per-instance locks, the progress story of each creation, and the live status that Docker
 * events keep current. Persists nothing itself: every status change goes through the registry.
 */
export function createLifecycle(
  deps: LifecycleDeps,
  options: LifecycleOptions = {},
): DockerLifecycle {
  const engine = options.engine ?? createDockerEngine();
  const probe = options.probe ?? probeHost;
  const attempts = options.attempts ?? 4;
  const retryBaseMs = options.retryBaseMs ?? 1_000;
  const healthTimeoutMs = () => deps.config.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  const locks = new OperationLocks();
  const signals = new ProjectSignals();
  const progress = new ProgressLog(deps.emit);
  const stackServices = new Map<string, string[]>();
  const logFollows = new Set<{ cancel(): void }>();
  let composePromise: Promise<Compose> | undefined = options.compose
    ? Promise.resolve(options.compose)
    : undefined;
  let closed = false;

  const queue = new CreationQueue(deps.config.creationConcurrency, runCreation, (id, position) => {
    progress.record(id, {
      step: 'queued',
      status: 'progress',
      queuePosition: position,
      message: `Waiting for ${position === 1 ? 'the creation in progress' : `${position} creations ahead`} to finish.`,
    });
  });

  function compose(): Promise<Compose> {
    // Detected once; a failure is not cached, so installing compose fixes it without a restart.
    composePromise ??= detectCompose().then(createCompose);
    return composePromise.catch((err: unknown) => {
      composePromise = undefined;
      throw err;
    });
  }

  function mustGet(id: string): Instance {
    const inst = deps.registry.get(id);
    if (!inst) throw new LifecycleError(ErrorCode.NOT_FOUND, `No instance with id ${id}.`);
    return inst;
  }

  function projectOf(inst: Instance): ComposeProject {
    return { name: inst.project, dir: deps.instanceDir(inst.id) };
  }

  async function servicesOf(inst: Instance): Promise<string[]> {
    let services = stackServices.get(inst.id);
    if (!services) {
      services = await readStack(deps.instanceDir(inst.id)).then(
        (s) => s.services,
        () => [],
      );
      if (services.length > 0) stackServices.set(inst.id, services);
    }
    return services;
  }

  async function states(inst: Instance): Promise<ServiceState[]> {
    return readServiceStates(engine, inst.project, await servicesOf(inst));
  }

  async function pingDocker(onRetry?: (attempt: number, err: DockerError) => void) {
    return withRetry(() => engine.version(), {
      attempts,
      baseDelayMs: retryBaseMs,
      onRetry: (attempt, err) => onRetry?.(attempt, err),
    }).catch((err: unknown) => {
      if (err instanceof DockerError && err.code !== ErrorCode.DOCKER_UNAVAILABLE) {
        throw new DockerError(
          ErrorCode.DOCKER_UNAVAILABLE,
          `Docker does not answer: ${err.message}`,
        );
      }
      throw err;
    });
  }

  /** Waits for health, reporting each service as it becomes ready. */
  function waitHealthy(inst: Instance, onReady?: (s: ServiceState) => void) {
    return waitUntilHealthy({
      read: () => states(inst),
      waitForChange: (ms) => signals.next(inst.project, ms),
      timeoutMs: healthTimeoutMs(),
      onReady,
    });
  }

  /** Why it failed, which service, and that service's last log lines: taken before rollback. */
  async function failureOf(inst: Instance, err: unknown): Promise<InstanceFailure> {
    const { code, message } = describeError(err);
    const failure: InstanceFailure = { code, reason: message, at: new Date().toISOString() };
    let service =
      err instanceof LifecycleError && typeof err.data.service === 'string'
        ? err.data.service
        : undefined;
    if (!service && (code === ErrorCode.START_FAILED || code === ErrorCode.TIMEOUT)) {
      const worst = await states(inst).then(worstService, () => undefined);
      service = worst?.service;
      // compose v1 gives up inside `up` when a dependency turns unhealthy: name that, not "up failed".
      if (worst?.health === 'unhealthy') failure.code = ErrorCode.UNHEALTHY;
    }
    if (service) {
      failure.service = service;
      failure.logs = await lastLogLines(engine, inst.project, service).catch(() => []);
    }
    return failure;
  }

  async function runCreation(id: string): Promise<void> {
    const initial = deps.registry.get(id);
    if (!initial || closed) return;
    try {
      locks.acquire(id, 'create');
    } catch {
      return; // deleted or operated on meanwhile; the holder decides its fate
    }
    const started = Date.now();
    let step: 'resources' | 'docker' | 'pull' | 'start' | 'health' = 'resources';
    let inst = initial;
    try {
      progress.record(id, {
        step: 'queued',
        status: 'done',
        queuePosition: 0,
        message: 'Starting.',
      });
      inst = await deps.registry.update(id, { status: 'creating', error: undefined, services: [] });

      progress.record(id, { step, status: 'started' });
      const host = await checkResources(deps.config.resources, deps.config.dataDir, probe);
      progress.record(id, {
        step,
        status: 'done',
        message: `${host.memoryAvailableMb} MB memory available, ${host.diskFreeMb} MB disk free, load ${host.load1.toFixed(2)} on ${host.cpus} cores.`,
      });

      step = 'docker';
      progress.record(id, { step, status: 'started' });
      const docker = await pingDocker((attempt, err) =>
        progress.record(id, { step: 'docker', status: 'retry', attempt, message: err.message }),
      );
      const cmp = await compose();
      progress.record(id, {
        step,
        status: 'done',
        message: `Docker ${docker.version}, compose ${cmp.version}.`,
      });

      step = 'pull';
      progress.record(id, { step, status: 'started' });
      const stack = await readStack(deps.instanceDir(id));
      stackServices.set(id, stack.services);
      await pullImages(id, [...new Set(stack.images.values())]);

      step = 'start';
      progress.record(id, {
        step,
        status: 'started',
        message: `compose up (${stack.services.length} services)`,
      });
      await upUntilSettled(inst, cmp, (attempt, message) =>
        progress.record(id, { step: 'start', status: 'retry', attempt, message }),
      );
      progress.record(id, { step, status: 'done' });

      step = 'health';
      progress.record(id, { step, status: 'started' });
      const ready = await waitHealthy(inst, (s) =>
        progress.record(id, {
          step: 'health',
          status: 'progress',
          service: s.service,
          health: s.health,
          message: s.health === 'healthy' ? `${s.service} is healthy` : `${s.service} is running`,
        }),
      );
      progress.record(id, { step, status: 'done' });

      await deps.registry.update(id, { status: 'running', services: ready, error: undefined });
      progress.record(id, {
        step: 'done',
        status: 'done',
        message: `Running after ${((Date.now() - started) / 1000).toFixed(1)} s.`,
      });
      deps.audit({ actor: 'agent', action: 'instances.create.finish', target: id, result: 'ok' });
    } catch (err) {
      const failure = await failureOf(inst, err);
      progress.record(id, {
        step,
        status: 'failed',
        error: { code: failure.code, message: failure.reason },
      });
      progress.record(id, { step: 'rollback', status: 'started' });
      try {
        await removeProject(engine, await compose().catch(() => undefined), projectOf(inst));
        progress.record(id, {
          step: 'rollback',
          status: 'done',
          message: 'Containers, network and volumes removed.',
        });
      } catch (rollbackErr) {
        progress.record(id, {
          step: 'rollback',
          status: 'failed',
          error: describeError(rollbackErr),
        });
      }
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
    } finally {
      progress.finish(id);
      locks.release(id);
    }
  }

  async function pullImages(id: string, images: string[]): Promise<void> {
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
      await withRetry(
        () =>
          engine.pullImage(image, (percent) => {
            // Enough to draw a bar: every 5 points or every second, and the 100.
            const now = Date.now();
            if (percent === 100 || percent - lastReported >= 5 || now - lastAt >= 1_000) {
              lastReported = percent;
              lastAt = now;
              progress.record(id, { step: 'pull', status: 'progress', image, percent });
            }
          }),
        {
          attempts,
          baseDelayMs: retryBaseMs,
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

  /**
   * `compose up -d`, again while a dependency is merely unhealthy for now. Compose gives up the
   * moment a `depends_on: service_healthy` dependency reports unhealthy, even if it recovers a
   * few seconds later (a loaded host makes a healthcheck time out once). `up` is idempotent,
   * so we run it again until the health deadline; only then does the health step judge.
   */
  async function upUntilSettled(
    inst: Instance,
    cmp: Compose,
    onRetry: (attempt: number, message: string) => void,
  ): Promise<void> {
    const deadline = Date.now() + healthTimeoutMs();
    for (let attempt = 1; ; attempt++) {
      try {
        // v1 waits inside `up` for depends_on conditions, so `up` may take as long as health does.
        await cmp.run(projectOf(inst), 'up', { timeoutMs: healthTimeoutMs() + 2 * 60_000 });
        return;
      } catch (err) {
        const waitingOnHealth = err instanceof DockerError && /unhealthy/i.test(err.message);
        if (!waitingOnHealth || Date.now() >= deadline) throw err;
        onRetry(attempt + 1, 'A dependency is not healthy yet; starting the rest once it is.');
        await signals.next(inst.project, Math.min(5_000, Math.max(0, deadline - Date.now())));
      }
    }
  }

  /** Runs a start/stop/restart under the instance's lock, with its transitional status. */
  async function operate(
    id: string,
    op: 'start' | 'stop' | 'restart',
    transitional: 'starting' | 'stopping' | 'restarting',
  ): Promise<Instance> {
    const inst = mustGet(id);
    if (inst.status === 'queued' || inst.status === 'creating' || inst.status === 'deleting') {
      throw new LifecycleError(
        ErrorCode.BUSY,
        `This instance is ${inst.status}; try again when that has finished.`,
        { status: inst.status },
      );
    }
    return locks.run(id, op, async () => {
      const before = inst.status;
      await deps.registry.update(id, { status: transitional });
      try {
        const cmp = await compose();
        if (op === 'stop') {
          await cmp.run(projectOf(inst), 'stop', { timeoutMs: 5 * 60_000 });
          const now = await states(inst).catch(() => []);
          return await deps.registry.update(id, { status: 'stopped', services: now });
        }
        const timeoutMs = healthTimeoutMs() + 2 * 60_000;
        if (op === 'restart') {
          // compose refuses to restart a project whose containers are gone ("No containers to
          // restart"); bringing it up is what the person asked for in that case.
          await cmp
            .run(projectOf(inst), 'restart', { timeoutMs })
            .catch(() => upUntilSettled(inst, cmp, () => {}));
        } else {
          // `up -d` rather than `start`: it also recreates a container someone removed.
          await upUntilSettled(inst, cmp, () => {});
        }
        const ready = await waitHealthy(inst);
        return await deps.registry.update(id, {
          status: 'running',
          services: ready,
          error: undefined,
        });
      } catch (err) {
        const failure = await failureOf(inst, err);
        const now = await states(inst).catch(() => []);
        const status = now.some((s) => s.state === 'running')
          ? 'degraded'
          : op === 'stop'
            ? before
            : 'stopped';
        await deps.registry.update(id, { status, services: now, error: failure });
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

  // ---- live status from Docker events -------------------------------------------------------
  const pendingRefresh = new Map<string, ReturnType<typeof setTimeout>>();

  function scheduleRefresh(project: string): void {
    if (pendingRefresh.has(project)) return;
    pendingRefresh.set(
      project,
      setTimeout(() => {
        pendingRefresh.delete(project);
        void refresh(project).catch(() => {
          // Docker went away between the event and our look; the reconnect will reconcile.
        });
      }, options.statusDebounceMs ?? 100),
    );
  }

  async function refresh(project: string): Promise<void> {
    const inst = deps.registry.list().find((i) => i.project === project);
    if (!inst || locks.isBusy(inst.id)) return;
    await applyLiveStatus(inst);
  }

  async function applyLiveStatus(inst: Instance): Promise<void> {
    const now = await states(inst);
    const next = liveStatus(inst.status, now);
    if (!next) return;
    const fresh = deps.registry.get(inst.id);
    if (!fresh || locks.isBusy(inst.id) || fresh.status !== inst.status) return;
    if (next !== fresh.status || JSON.stringify(now) !== JSON.stringify(fresh.services ?? [])) {
      await deps.registry.update(inst.id, { status: next, services: now });
    }
  }

  // Detect compose now, off the creation path: with v1 the probe is a Python start (~1 s).
  void compose().catch(() => {});

  const follower = new DockerEventFollower(engine, {
    onEvent(project) {
      signals.notify(project);
      scheduleRefresh(project);
    },
    onReconnected() {
      void lifecycle.reconcile().catch(() => {});
    },
  });
  follower.start();

  const lifecycle: DockerLifecycle = {
    enqueueCreate(instanceId) {
      mustGet(instanceId);
      if (!queue.has(instanceId)) {
        progress.begin(instanceId);
        // The control plane did these before calling us (see ./types.ts); a late subscriber
        // still sees the whole list of steps.
        for (const step of ['validate', 'ports', 'credentials', 'files'] as const) {
          progress.record(instanceId, { step, status: 'done' });
        }
      }
      return { queuePosition: queue.enqueue(instanceId) };
    },
    start: (id) => operate(id, 'start', 'starting'),
    stop: (id) => operate(id, 'stop', 'stopping'),
    restart: (id) => operate(id, 'restart', 'restarting'),

    async remove(id) {
      const inst = mustGet(id);
      queue.withdraw(id);
      await locks.run(id, 'delete', async () => {
        await deps.registry.update(id, { status: 'deleting' });
        try {
          await removeProject(engine, await compose().catch(() => undefined), projectOf(inst));
          await removeInstanceDir(id);
        } catch (err) {
          const failure = await failureOf(inst, err);
          await deps.registry.update(id, { status: 'failed', error: failure });
          throw err;
        }
      });
      progress.forget(id);
      stackServices.delete(id);
    },

    progress: (id) => progress.get(id),

    followLogs(instanceId, opts, sink) {
      const inst = mustGet(instanceId);
      const handle = followLogs(
        engine,
        inst.project,
        opts,
        {
          write: (lines) => sink.write(lines),
          onDrain: (resume) => sink.onDrain(resume),
          end: (error) => {
            logFollows.delete(handle);
            sink.end(error);
          },
        },
        (ms) => signals.next(inst.project, ms),
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
      const inst = mustGet(id);
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
        .sort((a, b) => a.service.localeCompare(b.service));
    },

    async publishedPorts() {
      const ports = new Set<number>();
      for (const c of await engine.listContainers({ all: true })) {
        for (const p of c.Ports ?? []) if (p.PublicPort) ports.add(p.PublicPort);
      }
      return ports;
    },

    async reconcile() {
      // Docker down at agent start must not stop the agent: what needs Docker is skipped, and
      // the event follower reconciles again as soon as dockerd answers.
      let dockerDown = false;
      for (const inst of deps.registry.list()) {
        if (locks.isBusy(inst.id) || queue.has(inst.id)) continue;
        if (dockerDown && inst.status !== 'queued') continue;
        try {
          await reconcileOne(inst);
        } catch (err) {
          if (err instanceof DockerError && err.code === ErrorCode.DOCKER_UNAVAILABLE) {
            dockerDown = true;
          }
        }
      }
    },

    async versions() {
      const docker = await engine.version().then(
        (v) => v.version,
        () => undefined,
      );
      const cmp = await compose().then(
        (c) => c.version,
        () => undefined,
      );
      return { docker, compose: cmp };
    },

    idle: () => queue.idle(),

    async close() {
      closed = true;
      for (const t of pendingRefresh.values()) clearTimeout(t);
      pendingRefresh.clear();
      for (const h of logFollows) h.cancel();
      logFollows.clear();
      await follower.stop();
    },
  };

  async function reconcileOne(inst: Instance): Promise<void> {
    switch (inst.status) {
      case 'queued':
        // The queue lives in memory: after an agent restart its entries are queued again.
        lifecycle.enqueueCreate(inst.id);
        return;
      case 'creating': {
        const now = await states(inst);
        if (now.length > 0 && now.every(isReady)) {
          await deps.registry.update(inst.id, { status: 'running', services: now });
          return;
        }
        const failure = await failureOf(
          inst,
          new LifecycleError(
            ErrorCode.CANCELLED,
            'Creation was interrupted (the agent stopped) before the stack was healthy; it was ' +
              'rolled back. Delete this instance and create it again.',
            { service: worstService(now)?.service },
          ),
        );
        await removeProject(engine, await compose().catch(() => undefined), projectOf(inst));
        await deps.registry.update(inst.id, { status: 'failed', error: failure, services: [] });
        return;
      }
      case 'starting':
      case 'stopping':
      case 'restarting': {
        // An operation was cut short: say what Docker shows.
        const now = await states(inst);
        const status =
          now.length > 0 && now.every(isReady)
            ? 'running'
            : now.some((s) => s.state === 'running')
              ? 'degraded'
              : 'stopped';
        await deps.registry.update(inst.id, { status, services: now });
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
        await applyLiveStatus(inst);
        return;
      default:
        return;
    }
  }

  /** rm -rf of the instance's directory, refused anywhere outside the data directory. */
  async function removeInstanceDir(id: string): Promise<void> {
    const dir = resolve(deps.instanceDir(id));
    const rel = relative(resolve(deps.config.dataDir), dir);
    if (!rel || rel.startsWith('..') || isAbsolute(rel)) {
      throw new LifecycleError(
        ErrorCode.INTERNAL,
        `Refusing to delete ${dir}: it is not inside the data directory.`,
      );
    }
    await rm(dir, { recursive: true, force: true });
  }

  return lifecycle;
}
