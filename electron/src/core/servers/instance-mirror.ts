import type { AgentEvent, Instance } from '@protocol/types';

/**
 * The core's copy of one server's instance list, kept current by the agent's events, so listing
 * projects costs no round trip (issue 21: 500 projects across 3 servers at memory speed).
 *
 * Correctness rests on two facts. The list is asked for after the event subscription on the
 * same connection, and the agent handles a connection's messages in order, so no change falls
 * between the two. Events carry the whole instance and arrive in the order of the changes, so
 * applying every event received since the subscription on top of the list, in arrival order,
 * ends on the agent's state whether a given event describes a change before or after the list
 * (an older one is always followed by the newer ones for the same instance). A new connection
 * starts from no copy (`reset`), and the copy is only trusted while its event stream is open.
 */
export class InstanceMirror {
  private instances: Map<string, Instance> | undefined;
  /** Events received while the list is on its way, applied on top of it in order. */
  private held: AgentEvent[] | undefined;
  /** Bumped by every reset, so a list answer from an older connection is ignored. */
  private epoch = 0;
  private loading: Promise<void> | undefined;

  /** Forgets everything (connection lost or replaced, event stream ended). */
  reset(): void {
    this.epoch++;
    this.instances = undefined;
    this.held = undefined;
    this.loading = undefined;
  }

  /**
   * Fills the copy from a list asked for after the event subscription of the current
   * connection (and before any of its events is applied).
   */
  load(list: Promise<{ instances: Instance[] }>): void {
    this.reset();
    const epoch = this.epoch;
    this.held = [];
    this.loading = list.then(
      ({ instances }) => {
        if (epoch !== this.epoch) return;
        const map = new Map(instances.map((i) => [i.id, i]));
        for (const event of this.held ?? []) applyTo(map, event);
        this.instances = map;
        this.held = undefined;
        this.loading = undefined;
      },
      () => {
        if (epoch === this.epoch) this.reset();
      },
    );
  }

  /** An agent event, in arrival order. */
  apply(event: AgentEvent): void {
    if (this.instances) applyTo(this.instances, event);
    else if (this.held && (event.type === 'instance.changed' || event.type === 'instance.deleted'))
      this.held.push(event);
  }

  /**
   * The instances in the agent's list order (creation time; a new one is created last), once
   * the copy is filled; waits for a fill in progress; undefined when there is no copy.
   */
  async list(): Promise<Instance[] | undefined> {
    if (!this.instances && this.loading) await this.loading;
    return this.instances ? [...this.instances.values()] : undefined;
  }
}

function applyTo(map: Map<string, Instance>, event: AgentEvent): void {
  if (event.type === 'instance.changed') map.set(event.instance.id, event.instance);
  else if (event.type === 'instance.deleted') map.delete(event.instanceId);
}
