import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type {
  DomainTarget,
  DomainView,
  Instance,
  InstanceUrls,
  ServerDomainView,
} from '@protocol/types';
import type { Caller } from '../auth/service';
import { canDelete, canSee, notFound } from '../instances/permissions';
import type { ProxyRoute } from '../proxy/caddy-config';
import type { ReverseProxy } from '../proxy/reverse-proxy';
import { checkResolvesToServer, recordsFor, type DnsLookup } from './dns-check';
import { normalizeAllowList, normalizeHostname } from './hostname';
import { publicUrlOf, urlsWithDomains } from './public-urls';
import type { DomainRecord, DomainStore } from './store';
import type { PublicUrlApplier } from './url-applier';

export interface DomainRegistry {
  get(id: string): Instance | undefined;
  list(): Instance[];
}

export interface DomainServiceDeps {
  store: DomainStore;
  proxy: Pick<ReverseProxy, 'apply' | 'certificates' | 'removeCertificate'>;
  registry: DomainRegistry;
  lookup: DnsLookup;
  /** The addresses a name must resolve to (configured, external host, or the machine's own). */
  serverAddresses(): Promise<string[]>;
  /** The instance's URLs without any domain (address and port). */
  baseUrls(instance: Instance): InstanceUrls;
  urls: PublicUrlApplier;
  now(): Date;
  /**
   * Refuses adding or changing a domain before anything is written when the disk is low (disk/);
   * removing one is never refused: it is how space comes back.
   */
  checkDisk?(): Promise<void>;
}

export interface AddDomainRequest {
  hostname: string;
  target?: DomainTarget;
  hsts?: boolean;
  studioAllowIps?: string[];
}

/** Statuses from which a project's routes may change: its stack exists and is not in flux. */
const ROUTABLE = new Set(['running', 'degraded', 'stopped']);

/**
 * Custom domains of the projects on this server: who may change them, the DNS check before any
 * certificate order, the proxy's routes (always rendered from every domain at once) and the
 * project's public URLs, which follow its API domain.
 */
export class DomainService {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: DomainServiceDeps) {}

  async list(caller: Caller, instanceId: string): Promise<DomainView[]> {
    this.visible(caller, instanceId);
    return this.views(this.deps.store.forInstance(instanceId));
  }

  async add(caller: Caller, instanceId: string, request: AddDomainRequest): Promise<DomainView> {
    const instance = this.changeable(caller, instanceId);
    const hostname = normalizeHostname(request.hostname);
    const studioAllowIps = normalizeAllowList(request.studioAllowIps ?? []);
    return this.serialized(async () => {
      const owner = this.deps.store.find(hostname);
      if (owner) {
        throw new AgentError(
          ErrorCode.DOMAIN_EXISTS,
          owner.instanceId === instanceId
            ? `${hostname} is already a domain of this project.`
            : `${hostname} already belongs to another project on this server.`,
          { hostname },
        );
      }
      await this.deps.checkDisk?.();
      // Before anything is written and before the proxy could order a certificate.
      await checkResolvesToServer(hostname, await this.deps.serverAddresses(), this.deps.lookup);
      const record: DomainRecord = {
        instanceId,
        hostname,
        target: request.target ?? 'api',
        hsts: request.hsts ?? false,
        studioAllowIps,
        addedAt: this.deps.now().toISOString(),
        addedBy: caller.username,
      };
      const before = this.deps.store.list();
      await this.commit(instance, [...before, record], before);
      const [view] = await this.views([record]);
      return view!;
    });
  }

  /**
   * Every domain of the projects the caller may see, with its certificate: the server page's
   * list (state, expiry, last renewal, last error for the whole server at once).
   */
  async listServer(caller: Caller): Promise<ServerDomainView[]> {
    const visible = new Map(
      this.deps.registry
        .list()
        .filter((i) => canSee(caller, i))
        .map((i) => [i.id, i]),
    );
    const records = this.deps.store.list().filter((r) => visible.has(r.instanceId));
    const views = await this.views(records);
    return records
      .map((r, i) => ({
        instanceId: r.instanceId,
        instanceName: visible.get(r.instanceId)!.name,
        domain: views[i]!,
      }))
      .sort(
        (a, b) =>
          a.instanceName.localeCompare(b.instanceName) ||
          a.domain.hostname.localeCompare(b.domain.hostname),
      );
  }

  /**
   * HSTS and the Studio allow-list after adding: only the proxy's routes change (a graceful
   * load), never the project's URLs or containers.
   */
  async update(
    caller: Caller,
    instanceId: string,
    hostnameInput: string,
    change: { hsts?: boolean; studioAllowIps?: string[] },
  ): Promise<DomainView> {
    this.changeable(caller, instanceId, { removing: true });
    const hostname = hostnameInput.trim().toLowerCase().replace(/\.$/, '');
    const studioAllowIps =
      change.studioAllowIps === undefined ? undefined : normalizeAllowList(change.studioAllowIps);
    return this.serialized(async () => {
      await this.deps.checkDisk?.();
      const before = this.deps.store.list();
      const current = before.find((r) => r.instanceId === instanceId && r.hostname === hostname);
      if (!current) {
        throw new AgentError(ErrorCode.NOT_FOUND, `${hostname} is not a domain of this project.`, {
          hostname,
        });
      }
      const updated: DomainRecord = {
        ...current,
        ...(change.hsts === undefined ? {} : { hsts: change.hsts }),
        ...(studioAllowIps === undefined ? {} : { studioAllowIps }),
      };
      const after = before.map((r) => (r === current ? updated : r));
      await this.deps.store.replace(after);
      try {
        await this.deps.proxy.apply(this.routes(after));
      } catch (error) {
        await this.deps.store.replace(before);
        await this.deps.proxy.apply(this.routes(before)).catch(() => undefined);
        throw error;
      }
      const [view] = await this.views([updated]);
      return view!;
    });
  }

  /** Runs a task in this server's one-at-a-time line of domain changes. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.serialized(task);
  }

  async remove(caller: Caller, instanceId: string, hostnameInput: string): Promise<void> {
    const instance = this.changeable(caller, instanceId, { removing: true });
    const hostname = hostnameInput.trim().toLowerCase().replace(/\.$/, '');
    if (instance.databaseTls?.hostname === hostname) {
      throw new AgentError(
        ErrorCode.INVALID_STATE,
        `Postgres over the internet uses the certificate of ${hostname}: turn it off before removing the name.`,
        { hostname },
      );
    }
    return this.serialized(async () => {
      const record = this.deps.store.forInstance(instanceId).find((r) => r.hostname === hostname);
      if (!record) {
        throw new AgentError(ErrorCode.NOT_FOUND, `${hostname} is not a domain of this project.`, {
          hostname,
        });
      }
      const before = this.deps.store.list();
      const after = before.filter((r) => r.hostname !== hostname);
      await this.commit(instance, after, before);
      // The route is gone from the running config: the certificate and key go too.
      await this.deps.proxy.removeCertificate(hostname);
    });
  }

  /** A deleted instance's domains go with it (routes and certificates). */
  async forgetInstance(instanceId: string): Promise<void> {
    await this.serialized(async () => {
      const gone = this.deps.store.forInstance(instanceId);
      if (gone.length === 0) return;
      const after = this.deps.store.list().filter((r) => r.instanceId !== instanceId);
      await this.deps.store.replace(after);
      await this.deps.proxy.apply(this.routes(after));
      for (const record of gone) await this.deps.proxy.removeCertificate(record.hostname);
    });
  }

  /** At agent start: the proxy serves what the file says (a graceful load, nothing restarts). */
  async resume(): Promise<void> {
    await this.serialized(async () => {
      const records = this.deps.store.list();
      if (records.length > 0) await this.deps.proxy.apply(this.routes(records));
    });
  }

  /** Every domain with its certificate state, for the expiry watch. */
  async all(): Promise<{ instanceId: string; domain: DomainView }[]> {
    const records = this.deps.store.list();
    const views = await this.views(records);
    return records.map((r, i) => ({ instanceId: r.instanceId, domain: views[i]! }));
  }

  /**
   * Saves the new set, loads it into the proxy and moves the public URLs; a failure puts the
   * saved set and the proxy back as they were, so nothing is left half-applied.
   */
  private async commit(
    instance: Instance,
    after: DomainRecord[],
    before: DomainRecord[],
  ): Promise<void> {
    await this.deps.store.replace(after);
    try {
      await this.deps.proxy.apply(this.routes(after));
      await this.followUrls(instance.id);
    } catch (error) {
      await this.deps.store.replace(before);
      await this.deps.proxy.apply(this.routes(before)).catch(() => undefined);
      await this.followUrls(instance.id).catch(() => undefined);
      throw error;
    }
  }

  /** The stack's public URL and the advertised URLs, after the domain set changed. */
  private async followUrls(instanceId: string): Promise<void> {
    const instance = this.deps.registry.get(instanceId);
    if (!instance) return;
    const records = this.deps.store.forInstance(instanceId);
    const target = {
      publicUrl: publicUrlOf(records),
      urls: urlsWithDomains(this.deps.baseUrls(instance), records),
    };
    const unchanged =
      target.publicUrl === instance.publicUrl &&
      JSON.stringify(target.urls) === JSON.stringify(instance.urls);
    if (!unchanged) await this.deps.urls.apply(instanceId, target);
  }

  private routes(records: readonly DomainRecord[]): ProxyRoute[] {
    const routes: ProxyRoute[] = [];
    for (const record of records) {
      const instance = this.deps.registry.get(record.instanceId);
      if (!instance) continue;
      routes.push({
        hostname: record.hostname,
        target: record.target,
        kongPort: instance.ports.kongHttp,
        hsts: record.hsts,
        studioAllowIps: record.studioAllowIps,
      });
    }
    return routes;
  }

  private async views(records: readonly DomainRecord[]): Promise<DomainView[]> {
    const now = this.deps.now();
    const addresses = await this.deps.serverAddresses().catch(() => [] as string[]);
    const certificates = await this.deps.proxy.certificates(
      records.map((r) => r.hostname),
      now,
    );
    return records.map((r) => ({
      hostname: r.hostname,
      target: r.target,
      hsts: r.hsts,
      studioAllowIps: [...r.studioAllowIps],
      addedAt: r.addedAt,
      addedBy: r.addedBy,
      records: recordsFor(r.hostname, addresses),
      certificate: certificates.get(r.hostname) ?? { state: 'pending' },
    }));
  }

  private visible(caller: Caller, instanceId: string): Instance {
    const instance = this.deps.registry.get(instanceId);
    if (!instance || !canSee(caller, instance)) throw notFound(instanceId);
    return instance;
  }

  /** Routes are public-facing: the owner or an admin changes them, as for deletion. */
  private changeable(caller: Caller, instanceId: string, options: { removing?: boolean } = {}) {
    const instance = this.visible(caller, instanceId);
    if (!canDelete(caller, instance)) {
      throw new AgentError(
        ErrorCode.FORBIDDEN,
        'Only the owner of this project or an admin may change its domains.',
      );
    }
    if (!options.removing && !ROUTABLE.has(instance.status)) {
      throw new AgentError(
        ErrorCode.INVALID_STATE,
        `This project is ${instance.status}; add a domain once it is running or stopped.`,
        { status: instance.status },
      );
    }
    return instance;
  }

  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
