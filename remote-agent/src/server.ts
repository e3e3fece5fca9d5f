import path from 'node:path';
import { promises as fs } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { bridgeAlerts } from './alerts/bridges';
import { startAlerts, type AlertService } from './alerts/service';
import { ClientSession, type AgentServices } from './api/context';
import { createDispatcher } from './api/dispatcher';
import { createHandlers } from './api/handlers';
import { loginPolicyFrom } from './auth/rate-limit';
import { AuthService } from './auth/service';
import type { AgentConfig } from './config/schema';
import { generateCredentials, secretValues, type InstanceSecrets } from './credentials';
import { createDockerHost, type DockerHost } from './docker/host';
import { EventBus } from './events/bus';
import { InstanceFiles, type StackFileWriter } from './instances/files';
import { StoreInstanceRegistry } from './instances/registry';
import { InstanceService } from './instances/service';
import type { StackSettings } from './instances/stack-input';
import { InstanceLocks } from './instances/state';
import { stackFileWriter } from './instances/stack-writer';
import {
  createLifecycle,
  type DockerLifecycle,
  type LifecycleOptions,
} from './lifecycle/lifecycle';
import { createLogger, errorFields, type Logger } from './log/logger';
import { defaultSink } from './log/sinks';
import { SubnetAllocator } from './network/allocator';
import { CapacityService } from './sizing/service';
import { UsageHistory } from './usage/ring';
import { UsageSampler } from './usage/sampler';
import { loadHistory, saveHistory } from './usage/snapshot';
import { folderBytes } from './usage/disk';
import { portsLeft } from './sizing/wiring';
import { applyStackChange } from './lifecycle/apply';
import { readHostRoutes } from './network/host-routes';
import { PortAllocator } from './ports/allocator';
import { isPortBindable } from './ports/probe';
import { MAX_MESSAGE_BYTES, STREAM_WINDOW_BYTES } from '@protocol/rpc';
import { Admission } from './rpc/admission';
import { isRefusal, serveRpc, type RpcConnection } from './rpc/connection';
import {
  createAgentHealth,
  type AgentHealth,
  type AgentHealthOptions,
} from './scheduler/agent-health';
import { AuditLog, type AuditInput } from './state/audit-log';
import { lockDataDir } from './state/lock';
import { StateStore } from './state/store';
import { detectExternalHost } from './system/external-host';
import { AGENT_VERSION } from './version';
import { startStaff } from './staff';
import { startDomains } from './domains';
import { createApplyDeps, createSettingsService } from './settings/wiring';
import { renderStack } from './stack/render';
import { BUILTIN_RELEASES, loadReleaseFiles, ReleaseCatalog } from './stack/releases';
import { stackInputFor } from './instances/stack-input';
import { Upgrader, type BeforeUpgrade } from './upgrades/upgrader';
import { BackupService } from './backups/service';
import { backupFirst } from './upgrades/backup-first';
import { PostgresMajorUpgrader } from './upgrades/postgres-major';
import { createBackupScheduler } from './scheduler/backup-scheduler';
import { startRecovery, type Recovery } from './startup';
import { diskGuard, postgresUpgradeNeed, restoreNeed } from './disk';
import { DATA_DIRECTORY } from './upgrades/data-directory';
import { crashPointFromEnv, type CrashPoint } from './operations/crash-points';
import { OperationJournal } from './operations/journal';
import { recoverOperations } from './operations/recovery';
import { stackRecoverers } from './operations/recoverers';

export interface Clock {
  now(): Date;
}

export interface CreateAgentOptions {
  dataDir: string;
  config: AgentConfig;
  clock?: Clock;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Seams for tests; the defaults are the real thing. */
  docker?: DockerHost;
  detectExternalHost?: () => string | undefined;
  stackWriter?: StackFileWriter;
  generateSecrets?: () => InstanceSecrets;
  isPortBindable?: (port: number) => Promise<boolean>;
  maxMessageBytes?: number;
  /** How long a creation or start may wait for health (default 5 min). */
  healthTimeoutMs?: number;
  lifecycle?: LifecycleOptions;
  /** The periodic diagnosis starts with the agent unless a test drives it (default true). */
  startScheduler?: boolean;
  health?: Pick<
    AgentHealthOptions,
    'policy' | 'checkTimeoutMs' | 'repairHealthTimeoutMs' | 'repairSettleMs'
  >;
  /** The socket this agent serves; staff accounts' forced `dial` points at it. */
  socketPath?: string;
  /** Runs before an upgrade changes anything: the seam for "backup first" (issue 17). */
  beforeUpgrade?: BeforeUpgrade;
  /** Alerts run with the agent unless a test says false (default true). */
  alerts?: boolean;
  /** Bringing projects back after a reboot or an engine restart, unless a test says false. */
  recovery?: boolean;
  /** Stops long operations at a named step (crash tests); default: ULTRABASE_TEST_CRASH_AT. */
  crashPoint?: CrashPoint;
}

export interface Agent {
  readonly logger: Logger;
  readonly registry: StoreInstanceRegistry;
  readonly auth: AuthService;
  readonly health: AgentHealth;
  readonly lifecycle: DockerLifecycle;
  /** Every agent event (instance changes, progress, repairs, audit entries) as it happens. */
  readonly events: EventBus;
  /** Notifications to people; undefined when turned off or when its files could not be read. */
  readonly alerts: AlertService | undefined;
  /** The usage sampler (started with the scheduler; tests without it sample by hand). */
  readonly usageSampler: UsageSampler;
  /** Serves one JSON-RPC session over a byte stream pair (socket, stdio, SSH channel). */
  connect(input: Readable, output: Writable): RpcConnection;
  close(): Promise<void>;
}

/**
 * The agent's one composition root: state, users, the Docker host service, the instance lock,
 * ports, instances, lifecycle and health, each built once here and handed to what uses it;
 * then one reconcile with reality.
 */
export async function createAgent(options: CreateAgentOptions): Promise<Agent> {
  const { dataDir } = options;
  const now = () => options.clock?.now() ?? new Date();
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lock = await lockDataDir(dataDir);
  try {
    return await assemble(options, now, lock.release);
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function assemble(
  options: CreateAgentOptions,
  now: () => Date,
  releaseLock: () => void,
): Promise<Agent> {
  const { dataDir, config } = options;
  const logger =
    options.logger ?? createLogger({ sink: defaultSink(dataDir, options.env ?? process.env), now });
  const store = await StateStore.open(dataDir);
  const audit = await AuditLog.open(dataDir, now, config.audit);
  const bus = new EventBus();
  audit.onAppend((entry) => bus.emit({ type: 'audit', entry }));
  const appendAudit = (entry: AuditInput) =>
    void audit
      .append(entry)
      .catch((error: unknown) =>
        logger.error('audit append failed', { ...errorFields(error), action: entry.action }),
      );
  const registry = new StoreInstanceRegistry(store, (e) => bus.emit(e), now);
  const journal = await OperationJournal.open(dataDir, {
    now,
    crashPoint: options.crashPoint ?? crashPointFromEnv(options.env ?? process.env),
    // An operation that ends normally makes an older note about an interrupted one stale.
    onEnd: async ({ instanceId }) => {
      if (registry.get(instanceId)?.lastOperation) {
        await registry.update(instanceId, { lastOperation: undefined });
      }
    },
  });
  const files = new InstanceFiles(dataDir);
  const releases = new ReleaseCatalog([
    ...BUILTIN_RELEASES,
    ...(config.releasesDir ? await loadReleaseFiles(config.releasesDir) : []),
  ]);
  const stack: StackSettings = {
    images: config.images,
    externalHost: config.externalHost ?? (options.detectExternalHost ?? detectExternalHost)(),
    releases,
    ...(config.healthcheckIntervalMs
      ? { healthcheckIntervalMs: config.healthcheckIntervalMs }
      : {}),
  };
  const auth = new AuthService({ store, now, loginPolicy: loginPolicyFrom(config.limits) });
  const admission = new Admission(config.limits);
  const docker = options.docker ?? createDockerHost({ dataDir });
  const disk = diskGuard({ dataDir, config, readHost: () => docker.readHost() });
  await disk.reserve.ensure();
  const locks = new InstanceLocks();

  const lifecycle = createLifecycle(
    {
      registry,
      docker,
      locks,
      instanceDir: (id) => files.dir(id),
      emit: (event) => bus.emit(event),
      audit: appendAudit,
      releaseDiskReserve: () => disk.reserve.release(),
      journal,
      config: {
        creationConcurrency: config.creationConcurrency,
        resources: config.resources,
        dataDir,
        healthTimeoutMs: options.healthTimeoutMs,
      },
    },
    options.lifecycle,
  );
  const ports = new PortAllocator({
    ranges: config.portRanges,
    registryPorts: () => registry.heldPorts(),
    publishedPorts: () => docker.publishedPorts(),
    isBindable: options.isPortBindable ?? isPortBindable,
  });
  const subnets = new SubnetAllocator({
    pool: config.networks.pool,
    prefix: config.networks.subnetPrefix,
    registrySubnets: () => registry.heldSubnets(),
    engineSubnets: () => docker.engine.networkSubnets(),
    hostRoutes: () => readHostRoutes(),
  });
  const instances = new InstanceService({
    checkDisk: disk.check('create'),
    registry,
    files,
    stack: options.stackWriter ?? stackFileWriter(stack),
    ports,
    subnets,
    generateSecrets: options.generateSecrets ?? (() => generateCredentials()),
    onSecrets: (secrets) => {
      for (const value of secretValues(secrets)) logger.redactor.addSecret(value);
    },
    lifecycle,
    journal,
    config: { maxInstances: config.maxInstances, externalHost: stack.externalHost },
    capacity: {
      memoryTotalMb: async () => (await docker.readHost()).memoryTotalMb,
      overcommit: config.capacity.memoryOvercommit,
    },
    now,
    newestRelease: () => releases.newest().id,
  });
  const applyDeps = createApplyDeps({
    registry,
    files,
    docker,
    locks,
    stack,
    emit: (event) => bus.emit(event),
    checkDisk: disk.check('apply'),
    releaseDiskReserve: () => disk.reserve.release(),
    now,
    healthTimeoutMs: options.healthTimeoutMs,
    journal,
  });
  const upgrader = new Upgrader({
    driver: lifecycle.driver,
    locks,
    catalog: releases,
    overrides: config.images,
    readSecrets: (id) => files.readSecrets(id),
    render: (instance, secrets) => renderStack(stackInputFor(instance, secrets, stack)),
    audit: appendAudit,
    concurrency: config.upgradeConcurrency,
    healthTimeoutMs: config.upgradeHealthTimeoutMs,
    // The agent's diagnosis once healthy (`health` is built below; used only when serving).
    diagnose: (id) => health.service.diagnose(id, { includeHost: false }),
    journal,
    checkDisk: disk.check('upgrade'),
    // A pre-upgrade backup under the upgrade's lock (the backups service is built below; the
    // hook only runs once the agent serves). Tests may put their own hook in.
    beforeUpgrade:
      options.beforeUpgrade ?? ((instance, plan) => backupFirst(backups)(instance, plan)),
  });
  // Postgres major upgrades: dump and restore through the backups service (built below).
  const postgresUpgrader = new PostgresMajorUpgrader({
    driver: lifecycle.driver,
    locks,
    catalog: releases,
    overrides: config.images,
    readSecrets: (id) => files.readSecrets(id),
    render: (instance, secrets) => renderStack(stackInputFor(instance, secrets, stack)),
    audit: appendAudit,
    backups: {
      backupHeld: (id, options) => backups.backupHeld(id, options),
      restoreDatabaseHeld: (id, backupId) => backups.restoreDatabaseHeld(id, backupId),
    },
    healthTimeoutMs: config.upgradeHealthTimeoutMs,
    diagnose: (id) => health.service.diagnose(id, { includeHost: false }),
    checkDisk: (bytes) => disk.check('postgres-upgrade')(postgresUpgradeNeed(bytes)),
    dataDirectoryBytes: (id) => folderBytes(path.join(files.dir(id), DATA_DIRECTORY)),
  });
  const capacity = new CapacityService({
    instances,
    registryList: () => registry.list(),
    memoryTotalMb: async () => (await docker.readHost()).memoryTotalMb,
    overcommit: config.capacity.memoryOvercommit,
    subnets,
    portsLeft: () => portsLeft(config, registry.heldPorts()),
    apply: (change) => applyStackChange(change, { ...applyDeps, checkDisk: disk.check('resize') }),
    stackChanged: (id) => lifecycle.stackChanged(id),
    // Called only once the agent serves, after the history below exists.
    diskMb: (id) => usage.history(id).at(-1)?.diskMb,
  });
  // Usage history: rings in memory, a snapshot on disk hourly and at a clean stop (snapshot.ts).
  const usage = new UsageHistory();
  const usageFile = path.join(dataDir, 'usage.bin');
  await loadHistory(usageFile, usage).catch((err: unknown) =>
    logger.warn('usage history not read; it starts again', errorFields(err)),
  );
  const saveUsage = () =>
    saveHistory(usageFile, usage).catch((err: unknown) =>
      logger.warn('usage history not saved', errorFields(err)),
    );
  let usageSaver: NodeJS.Timeout | undefined;
  const usageSampler = new UsageSampler({
    engine: docker.engine,
    projects: () => registry.list(),
    history: usage,
    diskBytes: (id) => folderBytes(files.dir(id)),
  });
  // Built after the first reconcile; automatic repairs ask it whether Docker is restarting.
  const late: { recovery?: Recovery } = {};
  const health = createAgentHealth({
    registry,
    files,
    docker,
    locks,
    stack,
    config,
    emit: (event) => bus.emit(event),
    audit: appendAudit,
    onError: (error, instance) =>
      logger.warn('scheduled diagnosis failed', { ...errorFields(error), instance }),
    holdRepairs: () => late.recovery?.holdsRepairs() ?? false,
    ...options.health,
  });

  const settingsService = createSettingsService({
    registry,
    files,
    docker,
    locks,
    stack,
    emit: (event) => bus.emit(event),
    see: (caller, id) => instances.get(caller, id),
    redact: (value) => logger.redactor.addSecret(value),
    healthTimeoutMs: options.healthTimeoutMs,
    checkDisk: disk.check('apply'),
    releaseDiskReserve: () => disk.reserve.release(),
    now,
    journal,
  });
  const backups = new BackupService({
    dataDir,
    images: config.images,
    agentVersion: AGENT_VERSION,
    getInstance: (id) => registry.get(id),
    instanceDir: (id) => files.dir(id),
    postgresPassword: async (id) => (await files.readSecrets(id)).postgresPassword,
    compose: () => docker.compose(),
    locks,
    emit: (event) => bus.emit(event),
    checkDisk: disk.check('backup'),
    checkRestoreDisk: (bytes) => disk.check('restore')(restoreNeed(bytes)),
    now,
    redact: (secret) => logger.redactor.addSecret(secret),
    journal,
    setBackupStatus: async (id, backupStatus) => void (await registry.update(id, { backupStatus })),
    applySettings: (id, changes) => settingsService.applyAsAgent(id, changes),
  });
  // The repository password must never reach the log, even inside a restic error line.
  logger.redactor.addSecret(await backups.password.read());
  const backupScheduler = createBackupScheduler({
    schedules: () => backups.schedules.all(),
    isRunning: (id) => ['running', 'degraded'].includes(registry.get(id)?.status ?? ''),
    lastBackupAt: (id) => backups.lastBackupAt(id),
    lastDrillAt: (id) => backups.lastDrillAt(id),
    backup: async (id, schedule) => {
      await backups.backup(id, { kind: 'scheduled' }).done;
      await backups.prune(id, schedule.retention);
    },
    drill: (id) => backups.drillLatest(id),
    now: () => now().getTime(),
    onError: (error, instance, what) =>
      logger.warn(`scheduled ${what} failed`, { ...errorFields(error), instance }),
  });

  await auth.pruneSessions();
  await guardExistingSecrets({ registry, files, logger });
  await removeStrayInstanceDirs({ registry, files, logger });
  // Operations the last run was cut off in are finished or rolled back before the reconcile.
  const recovered = await recoverOperations({
    journal,
    registry,
    audit: appendAudit,
    now,
    recoverers: {
      ...stackRecoverers({
        driver: lifecycle.driver,
        registry,
        files,
        render: (instance, secrets) => renderStack(stackInputFor(instance, secrets, stack)),
        restoreDatabase: (id, backupId) =>
          locks.run(id, 'upgrade', async () => {
            await backups.restoreDatabaseHeld(id, backupId).done;
          }),
      }),
      backup: (record) => backups.recover(record),
      restore: (record) => backups.recover(record),
    },
  });
  for (const r of recovered) logger.warn('interrupted operation recovered', { ...r });
  await lifecycle.reconcile();
  late.recovery =
    options.recovery === false
      ? undefined
      : startRecovery({
          lifecycle,
          docker,
          config: config.recovery,
          emit: (event) => bus.emit(event),
          audit: appendAudit,
          onError: (error) => logger.warn('bringing projects back failed', errorFields(error)),
        });
  const alerts =
    options.alerts === false
      ? undefined
      : await startAlerts({
          dataDir,
          bus,
          instances: () => registry.list(),
          readHost: () => docker.readHost(),
          logger,
        }).catch((error: unknown) => {
          // Alerts must never keep the agent itself from serving.
          logger.error('alerts did not start', errorFields(error));
          return undefined;
        });
  if (alerts) {
    // Backups, drills, upgrades and certificates announce their failures on the bus.
    bridgeAlerts({
      bus,
      notify: (input) => alerts.notify(input),
      lookup: (id) => registry.get(id),
      now,
      onError: (error) => logger.warn('alert not queued', errorFields(error)),
    });
  }
  const domains = await startDomains({
    dataDir,
    config,
    docker,
    registry,
    files,
    locks,
    stack,
    bus,
    logger,
    now,
    healthTimeoutMs: options.healthTimeoutMs,
    journal,
    checkDisk: disk.check('domain'),
  });

  const services: AgentServices = {
    recoveryNow: () => late.recovery?.current(),
    upgrades: { catalog: releases, upgrader, postgres: postgresUpgrader },
    auth,
    instances,
    registry,
    audit,
    bus,
    health: health.service,
    config,
    dataDir,
    agentVersion: AGENT_VERSION,
    staff: await startStaff({ dataDir, socketPath: options.socketPath, auth, logger, now }),
    readHost: () => docker.readHost(),
    readVersions: () => docker.versions(),
    now,
    domains: domains.service,
    databaseAccess: domains.database,
    settings: settingsService,
    capacity,
    alerts,
    backups,
    usage,
  };
  const handlers = createHandlers(services);
  if (options.startScheduler !== false) {
    health.scheduler.start();
    domains.expiry.start();
    backupScheduler.start();
    usageSampler.start();
    usageSaver = setInterval(() => void saveUsage(), 3600_000);
    usageSaver.unref();
  }
  const connections = new Set<RpcConnection>();
  let counter = 0;
  logger.info('agent started', { version: AGENT_VERSION, dataDir, pid: process.pid });

  return {
    logger,
    registry,
    auth,
    health,
    lifecycle,
    events: bus,
    alerts,
    usageSampler,
    connect(input, output) {
      const id = `c${++counter}`;
      const session = new ClientSession();
      const dispatch = createDispatcher({ handlers, auth, audit, logger, session });
      const connection = serveRpc({
        id,
        input,
        output,
        dispatch,
        maxMessageBytes: options.maxMessageBytes ?? MAX_MESSAGE_BYTES,
        windowBytes: STREAM_WINDOW_BYTES,
        limits: config.limits,
        admission,
        onCall: (call) => {
          const fields = { request: call.requestId, method: call.method, ms: call.ms };
          if (call.internal)
            logger.error('call failed', { ...fields, ...errorFields(call.internal) });
          else if (call.method === 'system.ping' || isRefusal(call)) {
            logger.debug('call', { ...fields, ...(call.code ? { code: call.code } : {}) });
          } else logger.info('call', { ...fields, ...(call.code ? { code: call.code } : {}) });
        },
        onClose: () => {
          connections.delete(connection);
          logger.debug('connection closed', { connection: id });
        },
      });
      connections.add(connection);
      logger.debug('connection opened', { connection: id });
      return connection;
    },
    async close() {
      for (const connection of [...connections]) connection.close();
      await health.scheduler.stop();
      await late.recovery?.close();
      await alerts?.close();
      domains.expiry.stop();
      await backupScheduler.stop();
      usageSampler.stop();
      clearInterval(usageSaver);
      await saveUsage();
      await lifecycle.close();
      await docker.close();
      await audit.close();
      logger.info('agent stopped');
      releaseLock();
    },
  };
}

/**
 * The log guard cuts out every secret it knows. Secrets of instances created before this start
 * must be known too, or a container log line or an error quoting one would reach the log.
 */
async function guardExistingSecrets(ctx: {
  registry: StoreInstanceRegistry;
  files: InstanceFiles;
  logger: Logger;
}): Promise<void> {
  for (const instance of ctx.registry.list()) {
    const secrets = await ctx.files.readSecrets(instance.id).catch(() => undefined);
    for (const value of secrets ? secretValues(secrets) : []) {
      ctx.logger.redactor.addSecret(value);
    }
  }
}

/**
 * Directories without a registry entry belong to creations that never reached the registry
 * (so were never acknowledged): removed. Statuses are the lifecycle's reconcile.
 */
async function removeStrayInstanceDirs(ctx: {
  registry: StoreInstanceRegistry;
  files: InstanceFiles;
  logger: Logger;
}): Promise<void> {
  for (const id of await ctx.files.list()) {
    if (!ctx.registry.get(id)) {
      await ctx.files.remove(id);
      ctx.logger.warn('removed instance files without a registry entry', { instance: id });
    }
  }
}
