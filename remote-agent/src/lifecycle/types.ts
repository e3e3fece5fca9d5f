import type { DockerHost } from '../docker/host';
import type { InstanceLocks } from '../instances/state';
import type {
  AgentEvent,
  Instance,
  LogLine,
  LogSource,
  ProgressEvent,
  ServiceStats,
} from '@protocol/types';
import type { RecordRun } from '../logs/json-file-records';
import type { AuditInput } from '../state/audit-log';
import type { OperationJournal } from '../operations/journal';

/**
 * The seam between the agent's control plane (instances service: validation, permissions,
 * ports, credentials, files, registry — `remote-agent/src/instances/`) and the part that drives
 * Docker (`remote-agent/src/lifecycle/` on top of `remote-agent/src/docker/`).
 *
 * Creation: the instances service validates, checks MAX_INSTANCES, allocates ports, generates
 * credentials, renders and writes the stack files, persists the instance as `queued`, then calls
 * `enqueueCreate`. The lifecycle runs the queue (at most `creationConcurrency` at once):
 * resources → Docker reachable → pull → up → wait healthy → `running`, or rolls back to
 * `failed` (containers, network and volumes removed; the registry entry keeps the reason).
 */
export interface Lifecycle {
  enqueueCreate(instanceId: string): { queuePosition: number };
  /**
   * Cancels a queued or running creation: a queued one leaves the queue, a running one stops
   * at the next step boundary (an image pull or the health wait at once) and rolls back. Both
   * end `failed` with CANCELLED, nothing of theirs left in Docker. Resolves once that is so;
   * INVALID_STATE when the instance is not being created.
   */
  cancelCreate(instanceId: string): Promise<Instance>;
  /** One operation at a time per instance (repair included); a second one rejects with BUSY. */
  start(instanceId: string): Promise<Instance>;
  stop(instanceId: string): Promise<Instance>;
  restart(instanceId: string): Promise<Instance>;
  /** Removes containers, network, volumes and the instance directory; the caller drops the entry. */
  remove(instanceId: string): Promise<void>;
  progress(instanceId: string): { events: ProgressEvent[]; finished: boolean };
  followLogs(
    instanceId: string,
    options: { service?: string; tail?: number; follow?: boolean },
    sink: LogSink,
  ): { cancel(): void };
  stats(instanceId: string): Promise<ServiceStats[]>;
  /** At start and after dockerd comes back: align registry statuses with Docker. */
  reconcile(): Promise<void>;
  close(): Promise<void>;
}

/** Flow-controlled sink: `write` returns false when the consumer wants the source paused. */
export interface LogSink {
  /** `source`: how the lines were read (the container's log file or the Engine API). */
  write(lines: LogLine[], source?: LogSource): boolean;
  /**
   * Whole json-file records of one service, sent as read (see logs/json-file-records.ts); only
   * a sink of a `format: "records"` follow has it.
   */
  writeRecords?(service: string, records: RecordRun): boolean;
  onDrain(resume: () => void): void;
  end(error?: { code: string; message: string }): void;
}

/** What the lifecycle needs from the rest of the agent. */
export interface LifecycleDeps {
  registry: InstanceRegistry;
  /** The agent's one Docker host service (engine, compose, events, host probe). */
  docker: DockerHost;
  /** The agent's one per-instance lock, shared with repair. */
  locks: InstanceLocks;
  instanceDir(instanceId: string): string;
  emit(event: AgentEvent): void;
  audit(entry: AuditInput): void;
  /** Gives back the disk reserve when a write fails for a full disk (disk/reserve.ts). */
  releaseDiskReserve?(): Promise<unknown>;
  /** Durable step record of creations (absent in tests that do not look at crashes). */
  journal?: OperationJournal;
  config: {
    creationConcurrency: number;
    resources: { minFreeMemoryMb: number; minFreeDiskMb: number; maxLoadPerCore: number };
    dataDir: string;
    healthTimeoutMs?: number;
  };
}

export interface InstanceRegistry {
  get(instanceId: string): Instance | undefined;
  list(): Instance[];
  /**
   * Persists atomically and emits `instance.changed`: once the change is on disk, or with
   * `announce: 'applied'` as soon as it is applied in memory (what Docker or the kernel just
   * showed; see StoreInstanceRegistry.update).
   */
  update(
    instanceId: string,
    patch: Partial<Instance>,
    options?: { announce?: 'durable' | 'applied' },
  ): Promise<Instance>;
}
