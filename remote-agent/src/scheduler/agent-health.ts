import type { AgentConfig } from '../config/schema';
import { diagnose } from '../diagnostics/diagnose';
import {
  EXPECTED_SERVICES,
  expectedServicesFor,
  expectedStack,
} from '../diagnostics/expected-stack';
import { httpGet } from '../diagnostics/http';
import { findOrphans } from '../diagnostics/orphans';
import { pgQuery } from '@common/pg-client';
import type { DiagnoseDeps } from '../diagnostics/types';
import type { DockerHost } from '../docker/host';
import type { InstanceFiles } from '../instances/files';
import type { StackSettings } from '../instances/stack-input';
import type { InstanceLocks } from '../instances/state';
import type { InstanceRegistry } from '../lifecycle/types';
import type { AgentEvent, Instance } from '@protocol/types';
import { createHealthService, type AuditInput, type HealthService } from '../repair/service';
import type { InstanceSecrets } from '../credentials/secrets';
import { DEFAULT_REPAIR_POLICY, type RepairPolicy } from './incidents';
import { createDiagnosticScheduler, type DiagnosticScheduler } from './scheduler';

export interface AgentHealthOptions {
  registry: InstanceRegistry;
  files: InstanceFiles;
  /** The agent's one Docker host service and one instance lock (server.ts builds both). */
  docker: DockerHost;
  locks: InstanceLocks;
  /** The same render settings creation used, so the expected files are the written ones. */
  stack: StackSettings;
  config: Pick<AgentConfig, 'resources' | 'diagnosticIntervalMs' | 'autoRepair'>;
  emit(event: AgentEvent): void;
  audit(entry: AuditInput): void;
  policy?: Partial<RepairPolicy>;
  checkTimeoutMs?: number;
  repairHealthTimeoutMs?: number;
  /** How long a repair that changed containers waits for the diagnosis to settle (30 s). */
  repairSettleMs?: number;
  onError?(error: unknown, instanceId: string): void;
  /** Automatic repairs wait while this says so (startup/recovery.ts). */
  holdRepairs?(): boolean;
}

export interface AgentHealth {
  service: HealthService;
  scheduler: DiagnosticScheduler;
  diagnoseDeps: DiagnoseDeps;
}

/** Diagnostics, repair and the scheduler, built from the agent's parts (server.ts wires it). */
export function createAgentHealth(options: AgentHealthOptions): AgentHealth {
  const { docker, files } = options;
  const renderStack = (instance: Instance, secrets: InstanceSecrets) =>
    expectedStack(instance, secrets, options.stack);
  const orphans = () =>
    findOrphans(docker.engine, {
      instancesRoot: files.root,
      isRegistered: (id) => options.registry.get(id) !== undefined,
    });

  const diagnoseDeps: DiagnoseDeps = {
    engine: docker.engine,
    instanceDir: (id) => files.dir(id),
    readSecrets: (id) => files.readSecrets(id),
    renderStack,
    expectedServices: EXPECTED_SERVICES,
    readHost: () => docker.readHost(),
    thresholds: options.config.resources,
    findOrphans: orphans,
    http: httpGet,
    pgQuery,
    checkTimeoutMs: options.checkTimeoutMs ?? 10_000,
    logTail: 200,
    now: () => new Date(),
  };
  const service = createHealthService({
    registry: options.registry,
    locks: options.locks,
    diagnose: (instance, diagnoseOptions) =>
      diagnose(
        instance,
        { ...diagnoseDeps, expectedServices: expectedServicesFor(instance) },
        diagnoseOptions,
      ),
    findOrphans: orphans,
    repairDeps: {
      engine: docker.engine,
      compose: () => docker.compose(),
      instanceDir: (id) => files.dir(id),
      readSecrets: (id) => files.readSecrets(id),
      renderStack,
      expectedServices: EXPECTED_SERVICES,
      healthTimeoutMs: options.repairHealthTimeoutMs ?? 3 * 60_000,
      settleMs: options.repairSettleMs ?? 30_000,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    },
    emit: options.emit,
    audit: options.audit,
  });
  const scheduler = createDiagnosticScheduler({
    registry: options.registry,
    health: service,
    emit: options.emit,
    audit: options.audit,
    intervalMs: options.config.diagnosticIntervalMs,
    autoRepair: options.config.autoRepair,
    policy: { ...DEFAULT_REPAIR_POLICY, ...options.policy },
    now: Date.now,
    onError: options.onError,
    holdRepairs: options.holdRepairs,
  });
  return { service, scheduler, diagnoseDeps };
}
