import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { Instance, InstanceStatus, ServiceState } from '@protocol/types';

/**
 * Every rule about an instance's status, in one place: what "ready" and "crash loop" mean,
 * which status Docker's view implies, which operation may run from which status, and the one
 * per-instance lock that creation, start, stop, restart, delete and repair all take. Two
 * copies of these used to disagree (a restart could run in the middle of a repair).
 */

/** Restarts (counted from when we started looking) at which a not-ready service is given up on. */
export const CRASH_LOOP_RESTARTS = 3;

/** Up, and healthy where the service has a healthcheck. */
export function isReady(s: ServiceState): boolean {
  return s.state === 'running' && (s.health === 'healthy' || s.health === 'none');
}

/** Waiting longer will not make it healthy: dead, or restarted again and again without being ready. */
export function isCrashLooping(s: ServiceState, restartsBefore = 0): boolean {
  if (isReady(s)) return false;
  return s.state === 'dead' || s.restarts - restartsBefore >= CRASH_LOOP_RESTARTS;
}

/**
 * The same judgement on a snapshot, where there is no "before" to count from (a diagnosis, a
 * repair plan): Docker is restarting it right now, or it has restarted this often without
 * being ready.
 */
export function isCrashLoopingNow(s: ServiceState): boolean {
  return !isReady(s) && (s.state === 'restarting' || s.restarts >= CRASH_LOOP_RESTARTS);
}

export function allReady(states: readonly ServiceState[]): boolean {
  return states.length > 0 && states.every(isReady);
}

/** What Docker shows for a stack: all ready, something running, or nothing running. */
export function dockerView(states: readonly ServiceState[]): 'ready' | 'partial' | 'down' {
  if (allReady(states)) return 'ready';
  return states.some((s) => s.state === 'running') ? 'partial' : 'down';
}

/** Statuses that follow Docker's events; the others belong to an operation or are final. */
const FOLLOWS_DOCKER = new Set<InstanceStatus>(['running', 'degraded', 'stopped']);

/**
 * The status Docker's view implies for an instance at rest, or undefined when the status is
 * not Docker's to change (an operation in flight owns it, or it is final until someone acts).
 * A stopped stack stays `stopped` until it is all up again; a crash is `degraded`, not a stop.
 */
export function liveStatus(
  current: InstanceStatus,
  states: readonly ServiceState[],
): InstanceStatus | undefined {
  if (!FOLLOWS_DOCKER.has(current)) return undefined;
  const view = dockerView(states);
  if (view === 'ready') return 'running';
  return current === 'stopped' ? 'stopped' : 'degraded';
}

/** After an operation was cut short (agent restart) or failed: what Docker shows, as a status. */
export function settledStatus(
  states: readonly ServiceState[],
  whenDown: InstanceStatus = 'stopped',
): InstanceStatus {
  const view = dockerView(states);
  return view === 'ready' ? 'running' : view === 'partial' ? 'degraded' : whenDown;
}

export type Operation =
  | 'create'
  | 'start'
  | 'stop'
  | 'restart'
  | 'delete'
  | 'repair'
  /** A stack change (settings, rotation, size, domain) applied with the smallest restart. */
  | 'apply'
  /** Moving to another stack release (remote-agent/src/upgrades/). */
  | 'upgrade'
  // backups/: a dump must not race a stop, a restore must not race anything
  | 'backup'
  | 'restore';

/** Statuses an operation in flight owns: another operation would race it. */
const IN_FLIGHT = new Set<InstanceStatus>([
  'queued',
  'creating',
  'starting',
  'stopping',
  'restarting',
  'deleting',
]);

/** Where each operation may start from (delete may end anything not owned by another one). */
const ALLOWED_FROM: Record<Exclude<Operation, 'create' | 'delete'>, ReadonlySet<InstanceStatus>> = {
  start: new Set(['running', 'degraded', 'stopped']),
  stop: new Set(['running', 'degraded', 'stopped']),
  restart: new Set(['running', 'degraded', 'stopped']),
  repair: new Set(['running', 'degraded', 'stopped']),
  apply: new Set(['running', 'degraded', 'stopped']),
  // A stopped project is started on its new release: the person sees it healthy or rolled back.
  upgrade: new Set(['running', 'degraded', 'stopped']),
  backup: new Set(['running', 'degraded']),
  restore: new Set(['running', 'degraded']),
};

/**
 * Throws BUSY when an operation owns the instance, INVALID_STATE when the operation makes no
 * sense from its status. A dry run (`created`) or a failed creation is never started: it went
 * through neither the instance limit, the resource check nor the queue, and a failed one's
 * stack was rolled back. The person creates it again instead.
 */
export function checkOperation(instance: Instance, op: Operation): void {
  if (op === 'create' || op === 'delete') return;
  if (IN_FLIGHT.has(instance.status)) {
    throw new AgentError(
      ErrorCode.BUSY,
      `This instance is ${instance.status}; try again when that has finished.`,
      { status: instance.status },
    );
  }
  if (ALLOWED_FROM[op].has(instance.status)) return;
  const why =
    instance.status === 'failed'
      ? 'Its creation failed and was rolled back, so there is nothing to ' +
        (op === 'repair' ? 'repair' : op) +
        ': delete it and create it again.'
      : 'It was only planned (dry run) and never created: create it for real instead.';
  throw new AgentError(ErrorCode.INVALID_STATE, `This instance cannot ${op}. ${why}`, {
    status: instance.status,
    operation: op,
  });
}

/** A held lock: released once, and only by whoever holds it. */
export interface Lease {
  release(): void;
  /**
   * Releases the lock in the same tick as the final status is written. The registry shows a
   * change at once and persists it after; a client that sees `running` must be able to act on
   * it, not be refused BUSY by an operation that is only saving its result.
   */
  finish<T>(write: () => Promise<T>): Promise<T>;
}

/**
 * One operation at a time per instance: two compose commands on the same project race on its
 * containers and leave it half up, half down. A second caller is refused with BUSY at once
 * rather than queued, so nobody waits on a stop they no longer want.
 */
export class InstanceLocks {
  private readonly held = new Map<string, { operation: Operation }>();

  isBusy(instanceId: string): boolean {
    return this.held.has(instanceId);
  }

  holder(instanceId: string): Operation | undefined {
    return this.held.get(instanceId)?.operation;
  }

  async run<T>(
    instanceId: string,
    operation: Operation,
    fn: (lease: Lease) => Promise<T>,
  ): Promise<T> {
    const lease = this.acquire(instanceId, operation);
    try {
      return await fn(lease);
    } finally {
      lease.release();
    }
  }

  acquire(instanceId: string, operation: Operation): Lease {
    const current = this.held.get(instanceId);
    if (current) {
      throw new AgentError(
        ErrorCode.BUSY,
        `This instance is busy (${current.operation} in progress). Try again when it has finished.`,
        { operation: current.operation },
      );
    }
    const token = { operation };
    this.held.set(instanceId, token);
    const release = () => {
      if (this.held.get(instanceId) === token) this.held.delete(instanceId);
    };
    return {
      release,
      finish(write) {
        release();
        return write();
      },
    };
  }
}
