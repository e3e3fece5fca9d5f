import type { Compose, ComposeProject } from '../docker/compose';
import { DockerError } from '../docker/docker-error';
import { withRetry } from '../docker/retry';
import { describeError } from '@common/coded-error';
import { mustGetInstance } from '../instances/registry';
import { ErrorCode } from '@protocol/error-codes';
import type { Instance, InstanceFailure, ServiceState } from '@protocol/types';
import { untilAborted } from './cancellation';
import { waitUntilHealthy } from './health';
import { ProgressLog } from './progress';
import { ProjectSignals } from './signals';
import { readStack } from './stack-file';
import { readServiceStates, worstService, type RunningContainer } from './status';
import { removeProject } from './teardown';
import type { LifecycleDeps } from './types';

const DEFAULT_HEALTH_TIMEOUT_MS = 5 * 60_000;

export interface DriverOptions {
  /** Tries per image pull and per Docker ping, the first included. */
  attempts: number;
  retryBaseMs: number;
}

/**
 * What creation, the operations, live status and the reconciler share about driving one
 * instance's compose project: its services, Docker's view of them, waiting for health, `up`
 * until settled, the failure record, and the teardown. No state of its own beyond caches.
 */
export class StackDriver {
  readonly signals = new ProjectSignals();
  readonly progress: ProgressLog;
  private readonly services = new Map<string, string[]>();

  constructor(
    readonly deps: LifecycleDeps,
    readonly options: DriverOptions,
  ) {
    this.progress = new ProgressLog(deps.emit);
  }

  get docker() {
    return this.deps.docker;
  }

  healthTimeoutMs(): number {
    return this.deps.config.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  }

  mustGet(id: string): Instance {
    return mustGetInstance(this.deps.registry, id);
  }

  projectOf(inst: Instance): ComposeProject {
    return { name: inst.project, dir: this.deps.instanceDir(inst.id) };
  }

  rememberServices(id: string, services: string[]): void {
    this.services.set(id, services);
  }

  forget(id: string): void {
    this.services.delete(id);
    this.progress.forget(id);
  }

  async servicesOf(inst: Instance): Promise<string[]> {
    let services = this.services.get(inst.id);
    if (!services) {
      services = await readStack(this.deps.instanceDir(inst.id)).then(
        (s) => s.services,
        () => [],
      );
      if (services.length > 0) this.services.set(inst.id, services);
    }
    return services;
  }

  async states(
    inst: Instance,
    onRunning?: (container: RunningContainer) => void,
  ): Promise<ServiceState[]> {
    return readServiceStates(
      this.docker.engine,
      inst.project,
      await this.servicesOf(inst),
      onRunning,
    );
  }

  pingDocker(onRetry?: (attempt: number, err: DockerError) => void) {
    return withRetry(() => this.docker.engine.version(), {
      attempts: this.options.attempts,
      baseDelayMs: this.options.retryBaseMs,
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
  waitHealthy(inst: Instance, onReady?: (s: ServiceState) => void, signal?: AbortSignal) {
    return waitUntilHealthy({
      read: () => this.states(inst),
      waitForChange: (ms) => this.signals.next(inst.project, ms),
      timeoutMs: this.healthTimeoutMs(),
      onReady,
      signal,
    });
  }

  /**
   * `compose up -d`, again while a dependency is merely unhealthy for now. Compose gives up the
   * moment a `depends_on: service_healthy` dependency reports unhealthy, even if it recovers a
   * few seconds later (a loaded host makes a healthcheck time out once). `up` is idempotent,
   * so we run it again until the health deadline; only then does the health step judge.
   */
  async upUntilSettled(
    inst: Instance,
    cmp: Compose,
    onRetry: (attempt: number, message: string) => void = () => {},
    signal?: AbortSignal,
  ): Promise<void> {
    const deadline = Date.now() + this.healthTimeoutMs();
    for (let attempt = 1; ; attempt++) {
      // A running `up` is left to finish (killing compose half-way leaves more to clean up);
      // a cancellation is honoured before the next try.
      signal?.throwIfAborted();
      try {
        // v1 waits inside `up` for depends_on conditions, so `up` may take as long as health does.
        await cmp.run(this.projectOf(inst), 'up', {
          timeoutMs: this.healthTimeoutMs() + 2 * 60_000,
        });
        return;
      } catch (err) {
        const waitingOnHealth = err instanceof DockerError && /unhealthy/i.test(err.message);
        if (!waitingOnHealth || Date.now() >= deadline) throw err;
        onRetry(attempt + 1, 'A dependency is not healthy yet; starting the rest once it is.');
        await untilAborted(
          this.signals.next(inst.project, Math.min(5_000, Math.max(0, deadline - Date.now()))),
          signal,
        );
      }
    }
  }

  /** Why it failed, which service, and that service's last log lines: taken before rollback. */
  async failureOf(inst: Instance, err: unknown): Promise<InstanceFailure> {
    const { code, message } = describeError(err);
    const failure: InstanceFailure = { code, reason: message, at: new Date().toISOString() };
    const data = (err as { data?: Record<string, unknown> } | undefined)?.data;
    let service = typeof data?.service === 'string' ? data.service : undefined;
    if (!service && (code === ErrorCode.START_FAILED || code === ErrorCode.TIMEOUT)) {
      const worst = await this.states(inst).then(worstService, () => undefined);
      service = worst?.service;
      // compose v1 gives up inside `up` when a dependency turns unhealthy: name that, not "up failed".
      if (worst?.health === 'unhealthy') failure.code = ErrorCode.UNHEALTHY;
    }
    if (service) {
      failure.service = service;
      failure.logs = await this.docker.tailLogs(inst.project, service).catch(() => []);
    }
    return failure;
  }

  /** Containers, network and volumes of the instance's project: all of them go. */
  async teardown(inst: Instance): Promise<void> {
    const cmp = await this.docker.compose().catch(() => undefined);
    await removeProject(this.docker.engine, cmp, this.projectOf(inst));
  }
}
