import { AgentError } from '../agent-error';
import { PORT_KINDS, type PortKind, type PortRange } from '../config/schema';
import { ErrorCode } from '@protocol/error-codes';
import type { InstancePorts } from '@protocol/types';
import { Mutex } from '../sync/mutex';

export interface PortAllocatorDeps {
  ranges: Record<PortKind, PortRange>;
  /** Ports held by registry entries (every entry holds its ports until it is deleted). */
  registryPorts(): Set<number>;
  /** Host ports published by any container on this engine; empty without Docker. */
  publishedPorts(): Promise<Set<number>>;
  /** A real bind check on the host. */
  isBindable(port: number): Promise<boolean>;
}

/** Ports handed out but not yet in the registry: released once the entry is saved, or on failure. */
export interface PortLease {
  readonly ports: InstancePorts;
  release(): void;
}

/**
 * Picks the lowest free port of each range. Allocations run one at a time and every handed-out
 * port stays leased until the caller has saved it in the registry, so two concurrent creations
 * can never receive the same port even though the registry is written after allocation.
 */
export class PortAllocator {
  private readonly mutex = new Mutex();
  private readonly leased = new Set<number>();

  constructor(private readonly deps: PortAllocatorDeps) {}

  /** How many instances the ranges can hold at most: the size of the smallest range. */
  get capacity(): number {
    return Math.min(...PORT_KINDS.map((k) => this.deps.ranges[k][1] - this.deps.ranges[k][0] + 1));
  }

  allocate(): Promise<PortLease> {
    return this.mutex.run(async () => {
      const taken = new Set([...this.deps.registryPorts(), ...this.leased]);
      for (const port of await this.deps.publishedPorts()) taken.add(port);
      const picked: Partial<InstancePorts> = {};
      for (const kind of PORT_KINDS) picked[kind] = await this.pick(kind, taken);
      const ports = picked as InstancePorts;
      const own = Object.values(ports);
      for (const port of own) this.leased.add(port);
      let released = false;
      return {
        ports,
        release: () => {
          if (released) return;
          released = true;
          for (const port of own) this.leased.delete(port);
        },
      };
    });
  }

  private async pick(kind: PortKind, taken: Set<number>): Promise<number> {
    const [lo, hi] = this.deps.ranges[kind];
    for (let port = lo; port <= hi; port++) {
      if (taken.has(port)) continue;
      if (await this.deps.isBindable(port)) return port;
    }
    throw new AgentError(
      ErrorCode.PORTS_EXHAUSTED,
      `No free port is left in the ${kind} range ${lo}-${hi}. Delete unused instances or widen ` +
        `portRanges.${kind} in the agent configuration.`,
      { range: kind, from: lo, to: hi },
    );
  }
}
