import type { AgentConfig } from '../config/schema';
import type { DockerHost } from '../docker/host';
import type { EventBus } from '../events/bus';
import type { InstanceFiles } from '../instances/files';
import type { StoreInstanceRegistry } from '../instances/registry';
import type { StackSettings } from '../instances/stack-input';
import type { InstanceLocks } from '../instances/state';
import { applyStackChange } from '../lifecycle/apply';
import { errorFields, type Logger } from '../log/logger';
import { ReverseProxy } from '../proxy/reverse-proxy';
import { acmeSettings } from '../proxy/settings';
import { instanceUrls } from '../stack/urls';
import { dnsLookup, serverAddresses } from './dns-check';
import { expiryWatch, type ExpiryWatch } from './expiry-watch';
import { DomainService } from './service';
import { DomainStore } from './store';
import { createApplyDeps } from '../settings/wiring';
import { stackChangeApplier } from './url-applier';
import { DEFAULT_BUSY_POLL_MS, DEFAULT_BUSY_WAIT_MS, retryWhileBusy } from './busy-retry';
import { DatabaseAccess } from './database-access';
import { databaseCertificateFiles } from './database-certificate-files';
import type { StackChange } from '../lifecycle/apply';
import type { OperationJournal } from '../operations/journal';

export { DomainService } from './service';

export interface Domains {
  service: DomainService;
  database: DatabaseAccess;
  expiry: ExpiryWatch;
  proxy: ReverseProxy;
}

/**
 * Custom domains, wired: the store, the server's reverse proxy, the DNS check, the URL switch
 * and the expiry watch. The public URL is a fact of the instance (`publicUrl`), changed through
 * the settings apply path, so diagnosis and repair render the same files the switch wrote.
 */
export async function startDomains(deps: {
  dataDir: string;
  config: AgentConfig;
  docker: DockerHost;
  registry: StoreInstanceRegistry;
  files: InstanceFiles;
  locks: InstanceLocks;
  stack: StackSettings;
  bus: EventBus;
  logger: Logger;
  now: () => Date;
  healthTimeoutMs?: number;
  /** How long a domain change waits for another operation on the project (tests: short). */
  busyWaitMs?: number;
  /** Durable step record of the URL switch's apply (operations/journal.ts). */
  journal?: OperationJournal;
  /** Refuses adding or changing a domain up front when the data directory's disk is low. */
  checkDisk?(): Promise<void>;
}): Promise<Domains> {
  const store = await DomainStore.open(deps.dataDir);
  const proxy = new ReverseProxy({
    dataDir: deps.dataDir,
    compose: () => deps.docker.compose(),
    images: deps.config.images,
    acme: acmeSettings(deps.config.proxy),
  });
  const lookup = dnsLookup(deps.config.proxy?.dnsServers);
  const applyDeps = createApplyDeps({
    registry: deps.registry,
    files: deps.files,
    docker: deps.docker,
    locks: deps.locks,
    stack: deps.stack,
    emit: (event) => deps.bus.emit(event),
    healthTimeoutMs: deps.healthTimeoutMs,
    now: deps.now,
    journal: deps.journal,
  });
  // A domain change waits for a backup or an upgrade on the project instead of failing BUSY.
  const applyInTurn = (change: StackChange) =>
    retryWhileBusy(() => applyStackChange(change, applyDeps), {
      waitMs: deps.busyWaitMs ?? DEFAULT_BUSY_WAIT_MS,
      pollMs: Math.min(DEFAULT_BUSY_POLL_MS, deps.busyWaitMs ?? DEFAULT_BUSY_POLL_MS),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: () => Date.now(),
      onWait: (operation) =>
        deps.logger.info('a domain change waits for another operation on the project', {
          instance: change.instanceId,
          operation: operation ?? 'unknown',
        }),
    });
  const addresses = () =>
    serverAddresses(
      { configured: deps.config.proxy?.serverAddresses, externalHost: deps.stack.externalHost },
      lookup,
    );
  const service = new DomainService({
    store,
    proxy,
    registry: deps.registry,
    lookup,
    serverAddresses: addresses,
    baseUrls: (instance) => {
      const plain = instanceUrls(instance.ports, instance.exposure, deps.stack.externalHost);
      return { ...instance.urls, api: plain.api, studio: plain.studio };
    },
    urls: stackChangeApplier(applyInTurn),
    now: deps.now,
    ...(deps.checkDisk ? { checkDisk: deps.checkDisk } : {}),
  });
  deps.bus.subscribe((event) => {
    if (event.type !== 'instance.deleted') return;
    service.forgetInstance(event.instanceId).catch((error: unknown) =>
      deps.logger.warn('removing a deleted project’s domains failed', {
        ...errorFields(error),
        instance: event.instanceId,
      }),
    );
  });
  service
    .resume()
    .catch((error: unknown) =>
      deps.logger.warn('the reverse proxy did not take the saved domains', errorFields(error)),
    );
  const database = new DatabaseAccess({
    registry: deps.registry,
    domains: (instanceId) => store.forInstance(instanceId),
    certificate: (hostname) => proxy.certificatePair(hostname),
    certificateStatus: async (hostname) =>
      (await proxy.certificates([hostname], deps.now())).get(hostname) ?? { state: 'pending' },
    files: databaseCertificateFiles((id) => deps.files.dir(id)),
    serverAddresses: addresses,
    apply: async (instanceId, databaseTls) => {
      await applyInTurn({
        instanceId,
        keys: ['domain.databaseTls'],
        dryRun: false,
        next: (current) => {
          const instance = { ...current.instance };
          if (databaseTls) instance.databaseTls = databaseTls;
          else delete instance.databaseTls;
          return { ...current, instance };
        },
      });
    },
    exclusive: (task) => service.exclusive(task),
    warn: (message, fields) => deps.logger.warn(message, fields),
  });
  database
    .refreshCertificates()
    .catch((error: unknown) =>
      deps.logger.warn('Postgres certificates were not refreshed', errorFields(error)),
    );
  const expiry = expiryWatch({
    // Renewed certificates reach Postgres on the same beat as the expiry check.
    domains: async () => {
      await database.refreshCertificates();
      return service.all();
    },
    emit: (event) => deps.bus.emit(event),
    warn: (message, fields) => deps.logger.warn(message, fields),
  });
  return { service, database, expiry, proxy };
}
