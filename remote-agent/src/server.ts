import { promises as fs } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { ClientSession, type AgentServices } from './api/context';
import { createDispatcher } from './api/dispatcher';
import { createHandlers } from './api/handlers';
import { AuthService } from './auth/service';
import type { AgentConfig } from './config/schema';
import { generateCredentials, secretValues, type InstanceSecrets } from './credentials';
import { EventBus } from './events/bus';
import { InstanceFiles, type StackFileWriter } from './instances/files';
import { StoreInstanceRegistry } from './instances/registry';
import { InstanceService } from './instances/service';
import { stackFileWriter } from './instances/stack-writer';
import type { Lifecycle, LifecycleDeps } from './lifecycle/types';
import { createLogger, errorFields, type Logger } from './log/logger';
import { defaultSink } from './log/sinks';
import { PortAllocator } from './ports/allocator';
import { isPortBindable } from './ports/probe';
import { MAX_MESSAGE_BYTES, STREAM_WINDOW_BYTES } from './protocol/rpc';
import { serveRpc, type RpcConnection } from './rpc/connection';
import { AuditLog } from './state/audit-log';
import { lockDataDir } from './state/lock';
import { StateStore } from './state/store';
import { detectExternalHost } from './system/external-host';
import { readHost } from './system/resources';
import { AGENT_VERSION } from './version';
import { createAgentHealth, healthHandlers } from './scheduler/agent-health';
import { startStaff } from './staff';

export interface Clock {
  now(): Date;
}

export interface CreateAgentOptions {
  dataDir: string;
  config: AgentConfig;
  clock?: Clock;
  /** Builds the Docker side once the control plane exists (lifecycle/ + docker/). */
  lifecycle?: (deps: LifecycleDeps) => Lifecycle;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Seams for tests; the defaults are the real thing. */
  stackWriter?: StackFileWriter;
  generateSecrets?: () => InstanceSecrets;
  isPortBindable?: (port: number) => Promise<boolean>;
  maxMessageBytes?: number;
  /** The socket this agent serves; staff accounts' forced `dial` points at it. */
  socketPath?: string;
}

export interface Agent {
  readonly logger: Logger;
  readonly registry: StoreInstanceRegistry;
  readonly auth: AuthService;
  /** Serves one JSON-RPC session over a byte stream pair (socket, stdio, SSH channel). */
  connect(input: Readable, output: Writable): RpcConnection;
  close(): Promise<void>;
}

/** Wires the agent: state, users, ports, instances, events, then reconciles with reality. */
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
  const audit = await AuditLog.open(dataDir, now);
  const bus = new EventBus();
  audit.onAppend((entry) => bus.emit({ type: 'audit', entry }));
  const registry = new StoreInstanceRegistry(store, (e) => bus.emit(e), now);
  const files = new InstanceFiles(dataDir);
  const externalHost = config.externalHost ?? detectExternalHost();
  const auth = new AuthService({ store, now });

  // ▼ The Docker driver plugs in here: main.ts passes `lifecycle: (deps) => createLifecycle(deps)`.
  const lifecycle = options.lifecycle?.({
    registry,
    instanceDir: (id) => files.dir(id),
    emit: (event) => bus.emit(event),
    audit: (entry) => {
      audit
        .append(entry)
        .catch((error: unknown) =>
          logger.error('audit append failed', { ...errorFields(error), action: entry.action }),
        );
    },
    config: {
      creationConcurrency: config.creationConcurrency,
      resources: config.resources,
      dataDir,
    },
  });

  const ports = new PortAllocator({
    ranges: config.portRanges,
    registryPorts: () => registry.heldPorts(),
    publishedPorts: () => lifecycle?.publishedPorts() ?? Promise.resolve(new Set<number>()),
    isBindable: options.isPortBindable ?? isPortBindable,
  });
  const instances = new InstanceService({
    registry,
    files,
    stack: options.stackWriter ?? stackFileWriter({ images: config.images, externalHost }),
    ports,
    generateSecrets: options.generateSecrets ?? (() => generateCredentials()),
    onSecrets: (secrets) => {
      for (const value of secretValues(secrets)) logger.redactor.addSecret(value);
    },
    lifecycle,
    config: { maxInstances: config.maxInstances, externalHost },
    now,
  });

  await auth.pruneSessions();
  await reconcile({ registry, files, lifecycle, logger, now });

  const services: AgentServices = {
    auth,
    instances,
    registry,
    audit,
    bus,
    lifecycle,
    config,
    dataDir,
    agentVersion: AGENT_VERSION,
    staff: await startStaff({ dataDir, socketPath: options.socketPath, auth, logger, now }),
    readHost: () => readHost(dataDir),
    now,
  };
  // Diagnostics, repair and the scheduler sit on the Docker side, so they exist only with it.
  const health = lifecycle
    ? createAgentHealth({
        registry,
        dataDir,
        config,
        emit: (event) => bus.emit(event),
        audit: (entry) =>
          void audit
            .append(entry)
            .catch((error: unknown) =>
              logger.error('audit append failed', { ...errorFields(error), action: entry.action }),
            ),
        onError: (error, instance) =>
          logger.warn('scheduled diagnosis failed', { ...errorFields(error), instance }),
      })
    : undefined;
  const handlers = {
    ...createHandlers(services),
    ...(health ? healthHandlers(health.service, instances) : {}),
  };
  health?.scheduler.start();
  const connections = new Set<RpcConnection>();
  let counter = 0;
  logger.info('agent started', {
    version: AGENT_VERSION,
    dataDir,
    pid: process.pid,
    docker: lifecycle !== undefined,
  });

  return {
    logger,
    registry,
    auth,
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
        onCall: (call) => {
          const fields = { request: call.requestId, method: call.method, ms: call.ms };
          if (call.internal)
            logger.error('call failed', { ...fields, ...errorFields(call.internal) });
          else if (call.method === 'system.ping') logger.debug('call', fields);
          else logger.info('call', { ...fields, ...(call.code ? { code: call.code } : {}) });
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
      await health?.scheduler.stop();
      await lifecycle?.close();
      logger.info('agent stopped');
      releaseLock();
    },
  };
}

/**
 * Start-up alignment. Directories without a registry entry belong to creations that never
 * reached the registry (so were never acknowledged): removed. Docker's view comes first when a
 * driver is present; whatever is still `creating` after that was cut off by a restart.
 * `queued` entries go back into the queue, since the queue itself lived in memory.
 */
async function reconcile(ctx: {
  registry: StoreInstanceRegistry;
  files: InstanceFiles;
  lifecycle: Lifecycle | undefined;
  logger: Logger;
  now: () => Date;
}): Promise<void> {
  const { registry, files, lifecycle, logger } = ctx;
  for (const id of await files.list()) {
    if (!registry.get(id)) {
      await files.remove(id);
      logger.warn('removed instance files without a registry entry', { instance: id });
    }
  }
  if (lifecycle) await lifecycle.reconcile();
  for (const instance of registry.list()) {
    if (instance.status === 'creating') {
      await registry.update(instance.id, {
        status: 'failed',
        error: {
          code: 'INTERNAL',
          reason: 'agent restarted during creation',
          at: ctx.now().toISOString(),
        },
      });
      logger.warn('creation cut off by a restart', { instance: instance.id });
    } else if (instance.status === 'queued' && lifecycle) {
      lifecycle.enqueueCreate(instance.id);
    }
  }
}
