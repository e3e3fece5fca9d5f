import type { Caller } from '../auth/service';
import { AgentError } from '@common/coded-error';
import { canDelete } from '../instances/permissions';
import type { InstanceService } from '../instances/service';
import type { StackChange, StackChangeResult } from '../lifecycle/apply';
import type { SubnetAllocator } from '../network/allocator';
import { ErrorCode } from '@protocol/error-codes';
import {
  OPTIONAL_SERVICES,
  type Instance,
  type OptionalServices,
  type ProjectSize,
  type ServerCapacity,
  type StackChangePlan,
} from '@protocol/types';
import { STACK_SERVICES } from '../stack/services';
import { resolveOptional, selectServices } from '../stack/services/selection';
import { checkCapacity, memoryAccount, projectsThatFit } from './capacity';
import { checkSize } from './validate';
import { DEFAULT_SIZE } from './profiles';

export interface CapacityServiceDeps {
  instances: InstanceService;
  registryList(): Instance[];
  memoryTotalMb(): Promise<number>;
  overcommit: number;
  subnets: SubnetAllocator;
  portsLeft(): Record<string, number>;
  /** The settings branch's apply path: re-render, recreate what changed, roll back on failure. */
  apply(change: StackChange): Promise<StackChangeResult>;
  /** Tells the lifecycle the stack's service list changed. */
  stackChanged(id: string): Promise<void>;
  /** The project's disk as the usage sampler last measured it; undefined when not yet. */
  diskMb?(id: string): number | undefined;
}

export interface ReshapeRequest {
  id: string;
  size?: ProjectSize;
  optionalServices?: OptionalServices;
  dryRun?: boolean;
}

/** Sizes and optional services after creation, and the server's capacity summary. */
export class CapacityService {
  constructor(private readonly deps: CapacityServiceDeps) {}

  async reshape(
    caller: Caller,
    request: ReshapeRequest,
  ): Promise<{ instance: Instance; plan: StackChangePlan; dryRun: boolean }> {
    const instance = this.deps.instances.get(caller, request.id);
    if (!canDelete(caller, instance)) {
      throw new AgentError(
        ErrorCode.FORBIDDEN,
        'Only the owner of this project or an admin may change its size or services.',
      );
    }
    const size = request.size ? checkSize(request.size) : (instance.size ?? DEFAULT_SIZE);
    const optionalServices = resolveOptional({
      ...instance.optionalServices,
      ...request.optionalServices,
    });
    if (instance.status !== 'created' && instance.status !== 'failed') {
      const services = selectServices(STACK_SERVICES, optionalServices).map((s) => s.name);
      checkCapacity(
        {
          instances: this.deps.registryList(),
          memoryTotalMb: await this.deps.memoryTotalMb(),
          overcommit: this.deps.overcommit,
        },
        size,
        services,
        instance.id,
      );
    }
    const keys = [
      ...(request.size ? ['size'] : []),
      ...OPTIONAL_SERVICES.filter((s) => request.optionalServices?.[s] !== undefined).map(
        (s) => `services.${s}`,
      ),
    ];
    const result = await this.deps.apply({
      instanceId: instance.id,
      keys,
      dryRun: request.dryRun === true,
      next: (current) => ({
        ...current,
        instance: { ...current.instance, size, optionalServices },
      }),
    });
    if (!result.dryRun) await this.deps.stackChanged(instance.id);
    return { instance: result.instance, plan: result.plan, dryRun: result.dryRun };
  }

  /** A user sees the server's numbers but counts per size of their own projects only. */
  async summary(caller: Caller): Promise<ServerCapacity> {
    const instances = this.deps.registryList();
    const visible = new Set(this.deps.instances.list(caller).map((i) => i.id));
    const account = memoryAccount({
      instances,
      memoryTotalMb: await this.deps.memoryTotalMb(),
      overcommit: this.deps.overcommit,
    });
    const projectsBySize: ServerCapacity['projectsBySize'] = {
      small: 0,
      medium: 0,
      large: 0,
      custom: 0,
      none: 0,
    };
    for (const i of instances) {
      if (i.status === 'created' || i.status === 'failed' || !visible.has(i.id)) continue;
      projectsBySize[i.size?.profile ?? 'none']++;
    }
    const defaults = selectServices(STACK_SERVICES, undefined).map((s) => s.name);
    const disk: NonNullable<ServerCapacity['disk']> = [];
    for (const i of instances) {
      const diskMb = visible.has(i.id) ? this.deps.diskMb?.(i.id) : undefined;
      if (diskMb) disk.push({ id: i.id, name: i.name, diskMb });
    }
    disk.sort((a, b) => b.diskMb - a.diskMb);
    return {
      ...account,
      projectsBySize,
      fits: projectsThatFit(account, defaults),
      networks: {
        ...this.deps.subnets.describe(),
        used: this.deps.subnets.used,
        capacity: this.deps.subnets.capacity,
      },
      portsLeft: this.deps.portsLeft(),
      disk,
    };
  }
}
