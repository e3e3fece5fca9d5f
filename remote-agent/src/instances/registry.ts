import { AgentError } from '@common/coded-error';
import type { InstanceRegistry } from '../lifecycle/types';
import { ErrorCode } from '@protocol/error-codes';
import type { AgentEvent, Instance } from '@protocol/types';
import type { StateStore } from '../state/store';
import { byCodeUnit } from '../common/compare';

/** The registry the lifecycle sees: instances in the durable state, each change announced. */
export class StoreInstanceRegistry implements InstanceRegistry {
  constructor(
    private readonly store: StateStore,
    private readonly emit: (event: AgentEvent) => void,
    private readonly now: () => Date,
  ) {}

  get(instanceId: string): Instance | undefined {
    const instance = this.store.read().instances[instanceId];
    return instance ? structuredClone(instance) : undefined;
  }

  list(): Instance[] {
    return Object.values(this.store.read().instances)
      .map((i) => structuredClone(i))
      .sort((a, b) => byCodeUnit(a.createdAt, b.createdAt) || byCodeUnit(a.id, b.id));
  }

  /** Orders announcements: the last change applied, and the last announced, per instance. */
  private changes = 0;
  private readonly announced = new Map<string, number>();

  /**
   * `announce: 'applied'` (issue 21: a status change in the UI within 100 ms) sends the event
   * as soon as the change is in memory, not after its fsync: for what Docker or the kernel
   * just showed, which the agent observes again at every start (the reconcile's look at each
   * instance at rest) and at Docker's next event. A crash before the write loses only that
   * observation; a failed write rolls memory back and rejects, and the next look corrects the
   * desktop. An announcement never goes back in time: a change whose turn comes after a newer
   * one of the same instance was announced (which carried it) is not announced again.
   */
  async update(
    instanceId: string,
    patch: Partial<Instance>,
    options: { announce?: 'durable' | 'applied' } = {},
  ): Promise<Instance> {
    let change = 0;
    const announce = (instance: Instance): void => {
      if ((this.announced.get(instanceId) ?? 0) > change) return;
      this.announced.set(instanceId, change);
      this.emit({ type: 'instance.changed', instance });
    };
    const updated = await this.store.mutate(
      (state) => {
        const current = state.instances[instanceId];
        if (!current) {
          throw new AgentError(ErrorCode.NOT_FOUND, `There is no instance "${instanceId}".`);
        }
        // Identity and ownership are not the lifecycle's to change.
        const { id: _id, owner: _owner, project: _project, createdAt: _created, ...rest } = patch;
        const next: Instance = { ...current, ...rest, updatedAt: this.now().toISOString() };
        // An explicit `undefined` clears the field (e.g. `error` once an instance recovers).
        for (const [key, value] of Object.entries(rest)) {
          if (value === undefined) delete next[key as keyof Instance];
        }
        state.instances[instanceId] = next;
        change = ++this.changes;
        return structuredClone(next);
      },
      options.announce === 'applied'
        ? (instance) => announce(structuredClone(instance))
        : undefined,
    );
    if (options.announce !== 'applied') announce(updated);
    return updated;
  }

  async insert(instance: Instance, check: (state: Readonly<Record<string, Instance>>) => void) {
    await this.store.mutate((state) => {
      check(state.instances);
      state.instances[instance.id] = instance;
    });
    this.emit({ type: 'instance.changed', instance: structuredClone(instance) });
  }

  async remove(instanceId: string): Promise<void> {
    await this.store.mutate((state) => {
      delete state.instances[instanceId];
      for (const user of Object.values(state.users)) {
        user.grants = user.grants.filter((g) => g !== instanceId);
      }
    });
    this.announced.delete(instanceId);
    this.emit({ type: 'instance.deleted', instanceId });
  }

  /**
   * Ports of every entry, until it is deleted: its record names them (URLs, credentials), so
   * handing them to another instance would make two claim them. Failed entries included.
   * Dry runs and failed entries are capped by the instances service so they cannot take all.
   */
  heldPorts(): Set<number> {
    const ports = new Set<number>();
    for (const instance of Object.values(this.store.read().instances)) {
      for (const port of Object.values(instance.ports)) ports.add(port);
    }
    return ports;
  }

  /** Network subnets of every entry, until it is deleted (like ports). */
  heldSubnets(): Set<string> {
    const subnets = new Set<string>();
    for (const instance of Object.values(this.store.read().instances)) {
      if (instance.subnet) subnets.add(instance.subnet);
    }
    return subnets;
  }
}

/** The instance with this id, or NOT_FOUND: for callers that already checked who may see it. */
export function mustGetInstance(registry: InstanceRegistry, id: string): Instance {
  const instance = registry.get(id);
  if (!instance) throw new AgentError(ErrorCode.NOT_FOUND, `No instance with id ${id}.`);
  return instance;
}
