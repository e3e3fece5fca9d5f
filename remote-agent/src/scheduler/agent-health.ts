import type { Handlers } from '../api/context';
import type { Caller } from '../auth/service';
import type { AgentConfig } from '../config/schema';
import { diagnose } from '../diagnostics/diagnose';
import { EXPECTED_SERVICES, expectedStack } from '../diagnostics/expected-stack';
import { httpGet } from '../diagnostics/http';
import { findOrphans } from '../diagnostics/orphans';
import { pgQuery } from '../common/pg-client';
import type { DiagnoseDeps } from '../diagnostics/types';
import { createCompose, detectCompose, type Compose } from '../docker/compose';
import { createDockerEngine, type DockerEngine } from '../docker/engine';
import { AgentError } from '../errors';
import { InstanceFiles } from '../instances/files';
import type { InstanceRegistry } from '../lifecycle/types';
import { ErrorCode } from '../protocol/errors';
import type { AgentEvent, Instance } from '../protocol/types';
import { createHealthService, type AuditInput, type HealthService } from '../repair/service';
import { readHost } from '../system/resources';
import { DEFAULT_REPAIR_POLICY, type RepairPolicy } from './incidents';
import { createDiagnosticScheduler, type DiagnosticScheduler } from './scheduler';

export interface AgentHealthOptions {
  registry: InstanceRegistry;
  dataDir: string;
  config: Pick<
    AgentConfig,
    'images' | 'externalHost' | 'resources' | 'diagnosticIntervalMs' | 'autoRepair'
  >;
  emit(event: AgentEvent): void;
  audit(entry: AuditInput): void;
  /** Seams for tests; the defaults are the real engine and compose CLI. */
  engine?: DockerEngine;
  compose?: () => Promise<Compose>;
  policy?: Partial<RepairPolicy>;
  checkTimeoutMs?: number;
  repairHealthTimeoutMs?: number;
  onError?(error: unknown, instanceId: string): void;
}

export interface AgentHealth {
  service: HealthService;
  scheduler: DiagnosticScheduler;
  diagnoseDeps: DiagnoseDeps;
}

/** Diagnostics, repair and the scheduler, built from the agent's parts (server.ts wires it). */
export function createAgentHealth(options: AgentHealthOptions): AgentHealth {
  const engine = options.engine ?? createDockerEngine();
  const files = new InstanceFiles(options.dataDir);
  let composePromise: Promise<Compose> | undefined;
  const compose =
    options.compose ??
    (() => {
      composePromise ??= detectCompose().then((v) => createCompose(v));
      return composePromise.catch((err: unknown) => {
        composePromise = undefined;
        throw err;
      });
    });
  const renderStack = (instance: Instance, secrets: Parameters<typeof expectedStack>[1]) =>
    expectedStack(instance, secrets, options.config);
  const orphans = () =>
    findOrphans(engine, {
      instancesRoot: files.root,
      isRegistered: (id) => options.registry.get(id) !== undefined,
    });

  const diagnoseDeps: DiagnoseDeps = {
    engine,
    instanceDir: (id) => files.dir(id),
    readSecrets: (id) => files.readSecrets(id),
    renderStack,
    expectedServices: EXPECTED_SERVICES,
    readHost: () => readHost(options.dataDir),
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
    diagnose: (instance, diagnoseOptions) => diagnose(instance, diagnoseDeps, diagnoseOptions),
    findOrphans: orphans,
    repairDeps: {
      engine,
      compose,
      instanceDir: (id) => files.dir(id),
      readSecrets: (id) => files.readSecrets(id),
      renderStack,
      expectedServices: EXPECTED_SERVICES,
      healthTimeoutMs: options.repairHealthTimeoutMs ?? 3 * 60_000,
      settleMs: 30_000,
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
  });
  return { service, scheduler, diagnoseDeps };
}

/** The two wire methods, for server.ts to merge over the handlers that are not wired yet. */
export function healthHandlers(
  health: HealthService,
  instances: { get(caller: Caller, id: string): Instance },
): Pick<Handlers, 'instances.diagnose' | 'instances.repair'> {
  const callerOf = (caller: Caller | undefined): Caller => {
    if (!caller) throw new AgentError(ErrorCode.UNAUTHENTICATED, 'Log in first.');
    return caller;
  };
  return {
    'instances.diagnose': async ({ id }, ctx) => {
      const caller = callerOf(ctx.caller);
      instances.get(caller, id);
      return { report: await health.diagnose(id, { includeHost: caller.role === 'admin' }) };
    },
    'instances.repair': async ({ id, dryRun }, ctx) => {
      const caller = callerOf(ctx.caller);
      instances.get(caller, id);
      return health.repair(id, {
        dryRun: dryRun ?? false,
        actor: caller.username,
        automatic: false,
        includeOrphans: caller.role === 'admin',
      });
    },
  };
}
