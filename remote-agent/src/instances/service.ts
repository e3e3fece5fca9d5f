import type { Caller } from '../auth/service';
import type { InstanceSecrets } from '../credentials/secrets';
import { AgentError } from '@common/coded-error';
import type { Lifecycle, LogSink } from '../lifecycle/types';
import type { OperationJournal } from '../operations/journal';
import { ErrorCode } from '@protocol/error-codes';
import type {
  Exposure,
  Instance,
  InstanceCredentials,
  OptionalServices,
  ProgressEvent,
  ProjectSize,
  ServiceStats,
} from '@protocol/types';
import type { SubnetAllocator, SubnetLease } from '../network/allocator';
import type { PortAllocator } from '../ports/allocator';
import { checkCapacity } from '../sizing/capacity';
import { DEFAULT_SIZE } from '../sizing/profiles';
import { checkSize } from '../sizing/validate';
import { STACK_SERVICES } from '../stack/services';
import { resolveOptional, selectServices } from '../stack/services/selection';
import { projectName } from '../stack/render';
import { STACK_VERSION } from '../stack/images';
import { connectionStrings, instanceUrls } from '../stack/urls';
import type { InstanceFiles, StackFileWriter } from './files';
import { newInstanceId } from './ids';
import { checkInstanceName } from './naming';
import { canDelete, canSee, notFound } from './permissions';
import type { StoreInstanceRegistry } from './registry';

export interface InstanceServiceDeps {
  /** Refuses a creation up front when the data directory's disk is low (disk/). */
  checkDisk?(): Promise<void>;
  registry: StoreInstanceRegistry;
  files: InstanceFiles;
  stack: StackFileWriter;
  ports: PortAllocator;
  /** Absent: projects get the engine's choice of subnet (tests that do not care). */
  subnets?: SubnetAllocator;
  /** Absent: no memory accounting (tests that do not care). */
  capacity?: { memoryTotalMb(): Promise<number>; overcommit: number };
  generateSecrets(): InstanceSecrets;
  /** Every generated secret is registered here so the log guard can cut it out. */
  onSecrets(secrets: InstanceSecrets): void;
  lifecycle: Lifecycle;
  /** Durable step record of deletions (operations/journal.ts); absent in tests without crashes. */
  journal?: OperationJournal;
  config: { maxInstances: number; externalHost?: string };
  now: () => Date;
  newId?: () => string;
  /** The release a new project runs: the newest one the agent knows. */
  newestRelease?: () => string;
}

export interface CreateRequest {
  name: string;
  exposure?: Exposure;
  dryRun?: boolean;
  /** Absent: DEFAULT_SIZE (sizing/profiles.ts). */
  size?: ProjectSize;
  /** Absent keys: OPTIONAL_SERVICE_DEFAULTS. */
  optionalServices?: OptionalServices;
}

/** Entries that count against MAX_INSTANCES: dry-run entries and failed ones run nothing. */
export function countsAgainstLimit(i: Instance): boolean {
  return i.status !== 'created' && i.status !== 'failed';
}

/**
 * Dry runs and failed creations run nothing, yet each holds a port of every range (its record
 * names them). Dry runs may take at most half of the smallest range, 100 of them per person,
 * so real creations always find ports; one person keeps at most 5 failed creations.
 */
export const DRY_RUNS_PER_USER = 100;
export const FAILED_PER_USER = 5;

/**
 * The control plane of instances: rights, names, ports, secrets, files and the registry.
 * Everything that touches Docker goes through the injected `Lifecycle`.
 */
export class InstanceService {
  private readonly newId: () => string;

  constructor(private readonly deps: InstanceServiceDeps) {
    this.newId = deps.newId ?? (() => newInstanceId());
  }

  list(caller: Caller): Instance[] {
    return this.deps.registry.list().filter((i) => canSee(caller, i));
  }

  get(caller: Caller, id: string): Instance {
    const instance = this.deps.registry.get(id);
    if (!instance || !canSee(caller, instance)) throw notFound(id);
    return instance;
  }

  async create(
    caller: Caller,
    request: CreateRequest,
  ): Promise<{ instance: Instance; queuePosition: number }> {
    const { registry, files } = this.deps;
    const exposure = request.exposure ?? 'private';
    const dryRun = request.dryRun === true;
    checkInstanceName(request.name, caller.username, registry.list());
    const checkRoom = (current: Instance[]) =>
      dryRun
        ? this.checkDryRuns(current, caller.username)
        : (this.checkLimit(current), this.checkFailed(current, caller.username));
    checkRoom(registry.list());
    const size = checkSize(request.size ?? DEFAULT_SIZE);
    const optionalServices = resolveOptional(request.optionalServices);
    const capacity = this.deps.capacity;
    const memoryTotalMb = capacity && !dryRun ? await capacity.memoryTotalMb() : undefined;
    const checkMemory = (current: Instance[]) => {
      if (memoryTotalMb === undefined) return;
      const services = selectServices(STACK_SERVICES, optionalServices).map((s) => s.name);
      checkCapacity(
        { instances: current, memoryTotalMb, overcommit: capacity!.overcommit },
        size,
        services,
      );
    };
    checkMemory(registry.list());
    if (!dryRun) await this.deps.checkDisk?.();

    const lease = await this.deps.ports.allocate();
    let subnetLease: SubnetLease | undefined;
    let id: string | undefined;
    try {
      subnetLease = await this.deps.subnets?.allocate();
      const secrets = this.deps.generateSecrets();
      this.deps.onSecrets(secrets);
      id = this.uniqueId();
      const at = this.deps.now().toISOString();
      const instance: Instance = {
        id,
        name: request.name,
        owner: caller.username,
        status: dryRun ? 'created' : 'queued',
        createdAt: at,
        updatedAt: at,
        exposure,
        ports: lease.ports,
        urls: instanceUrls(
          lease.ports,
          exposure,
          this.deps.config.externalHost,
          secrets.poolerTenantId,
        ),
        project: projectName(id),
        release: this.deps.newestRelease?.() ?? STACK_VERSION,
        ...(subnetLease ? { subnet: subnetLease.subnet } : {}),
        size,
        optionalServices,
      };
      const dir = await files.create(id);
      await files.writeSecrets(id, secrets);
      await this.deps.stack.write(dir, { instance, secrets });
      // Checked again inside the write: a concurrent request may have taken the name or the
      // last slot while this one was rendering files.
      await registry.insert(instance, (current) => {
        checkInstanceName(request.name, caller.username, Object.values(current));
        checkRoom(Object.values(current));
        checkMemory(Object.values(current));
      });
      lease.release();
      subnetLease?.release();
      const queuePosition = dryRun ? 0 : this.deps.lifecycle.enqueueCreate(id).queuePosition;
      return { instance, queuePosition };
    } catch (error) {
      lease.release();
      subnetLease?.release();
      if (id && !registry.get(id)) await files.remove(id).catch(() => undefined);
      throw error;
    }
  }

  async credentials(caller: Caller, id: string): Promise<InstanceCredentials> {
    const instance = this.get(caller, id);
    const secrets = await this.deps.files.readSecrets(id);
    return {
      postgresPassword: secrets.postgresPassword,
      jwtSecret: secrets.jwtSecret,
      anonKey: secrets.anonKey,
      serviceRoleKey: secrets.serviceRoleKey,
      dashboardUsername: secrets.dashboardUsername,
      dashboardPassword: secrets.dashboardPassword,
      ...connectionStrings(
        instance.ports,
        instance.exposure,
        this.deps.config.externalHost,
        secrets,
      ),
    };
  }

  async delete(caller: Caller, id: string): Promise<void> {
    const instance = this.get(caller, id);
    if (!canDelete(caller, instance)) {
      throw new AgentError(
        ErrorCode.FORBIDDEN,
        'Only the owner of this project or an admin may delete it.',
      );
    }
    // Journaled: a deletion the agent is cut off in is finished at its next start.
    const op = await this.deps.journal?.begin('delete', instance, 'containers');
    await op?.enter('containers');
    try {
      // A dry-run entry never reached Docker: its files are all there is.
      if (instance.status !== 'created') await this.deps.lifecycle.remove(id);
    } catch (error) {
      await op?.end(); // failed, recorded on the entry: deleting again is the person's call
      throw error;
    }
    await op?.enter('files');
    await this.deps.files.remove(id);
    await op?.enter('registry');
    await this.deps.registry.remove(id);
    await op?.end();
  }

  /** Stopping a creation is the creator's call (or an admin's), like deleting it. */
  async cancel(caller: Caller, id: string): Promise<Instance> {
    const instance = this.get(caller, id);
    if (!canDelete(caller, instance)) {
      throw new AgentError(
        ErrorCode.FORBIDDEN,
        'Only the person who created this project or an admin may cancel its creation.',
      );
    }
    return this.deps.lifecycle.cancelCreate(id);
  }

  start(caller: Caller, id: string): Promise<Instance> {
    this.get(caller, id);
    return this.deps.lifecycle.start(id);
  }

  stop(caller: Caller, id: string): Promise<Instance> {
    this.get(caller, id);
    return this.deps.lifecycle.stop(id);
  }

  restart(caller: Caller, id: string): Promise<Instance> {
    this.get(caller, id);
    return this.deps.lifecycle.restart(id);
  }

  progress(caller: Caller, id: string): { events: ProgressEvent[]; finished: boolean } {
    const instance = this.get(caller, id);
    if (instance.status === 'created') return { events: [], finished: true };
    return this.deps.lifecycle.progress(id);
  }

  stats(caller: Caller, id: string): Promise<ServiceStats[]> {
    this.get(caller, id);
    return this.deps.lifecycle.stats(id);
  }

  followLogs(
    caller: Caller,
    id: string,
    options: { service?: string; tail?: number; follow?: boolean },
    sink: LogSink,
  ): { cancel(): void } {
    this.get(caller, id);
    return this.deps.lifecycle.followLogs(id, options, sink);
  }

  private checkLimit(instances: Instance[]): void {
    const count = instances.filter(countsAgainstLimit).length;
    const max = this.deps.config.maxInstances;
    if (count >= max) {
      throw new AgentError(
        ErrorCode.LIMIT_REACHED,
        `This server already runs ${count} projects, the configured maximum (MAX_INSTANCES=${max}). ` +
          'Delete one or raise the limit.',
        { count, max },
      );
    }
  }

  private checkDryRuns(instances: Instance[], owner: string): void {
    const dry = instances.filter((i) => i.status === 'created');
    const mine = dry.filter((i) => i.owner === owner).length;
    const total = Math.floor(this.deps.ports.capacity / 2);
    const perUser = Math.min(DRY_RUNS_PER_USER, total);
    if (mine < perUser && dry.length < total) return;
    const own = mine >= perUser;
    throw new AgentError(
      ErrorCode.LIMIT_REACHED,
      (own
        ? `You already have ${mine} dry-run projects, the most one person may keep.`
        : `This server already keeps ${dry.length} dry-run projects, the most it allows.`) +
        ' Delete some of them first.',
      {
        kind: 'dryRuns',
        count: own ? mine : dry.length,
        max: own ? perUser : total,
      },
    );
  }

  private checkFailed(instances: Instance[], owner: string): void {
    const failed = instances.filter((i) => i.status === 'failed' && i.owner === owner).length;
    if (failed < FAILED_PER_USER) return;
    throw new AgentError(
      ErrorCode.LIMIT_REACHED,
      `You have ${failed} projects whose creation failed; each keeps its ports until deleted. ` +
        'Look at why they failed, delete them, then create again.',
      { kind: 'failed', count: failed, max: FAILED_PER_USER },
    );
  }

  private uniqueId(): string {
    for (;;) {
      const id = this.newId();
      if (!this.deps.registry.get(id)) return id;
    }
  }
}
