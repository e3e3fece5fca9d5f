import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import { Mutex } from '../sync/mutex';
import {
  ENGINE_DEFAULT_POOLS,
  formatCidr,
  nthSubnet,
  overlaps,
  parseCidr,
  subnetCount,
  type Ipv4Block,
} from './cidr';

export interface SubnetAllocatorDeps {
  /** Where project subnets come from, e.g. `10.231.0.0/16`. */
  pool: string;
  /** Prefix length of one project's subnet (27: 32 addresses, room for every service). */
  prefix: number;
  /** Subnets held by registry entries: each keeps its own until it is deleted. */
  registrySubnets(): Set<string>;
  /** Subnets of every network the engine has now (any project, any owner). */
  engineSubnets(): Promise<string[]>;
  /** The host's routes: a subnet that overlaps one would make that destination unreachable. */
  hostRoutes(): Promise<Ipv4Block[]>;
}

/** A subnet handed out but not yet in the registry: released once the entry is saved. */
export interface SubnetLease {
  readonly subnet: string;
  release(): void;
}

/**
 * Carves one small subnet per project out of a configured private range, so a server is no
 * longer limited to the ~30 networks of the engine's default address pools. Like the port
 * allocator: one allocation at a time, a handed-out subnet stays leased until the caller saved
 * it in the registry (two concurrent creations never share one), and the registry is the only
 * durable record (a crash before the save leaves nothing to free).
 */
export class SubnetAllocator {
  private readonly mutex = new Mutex();
  private readonly leased = new Set<string>();
  private readonly pool: Ipv4Block;

  constructor(private readonly deps: SubnetAllocatorDeps) {
    const pool = parseCidr(deps.pool);
    if (!pool) throw new Error(`Not an IPv4 range: ${deps.pool}`);
    this.pool = pool;
  }

  /** How many project subnets the range holds. */
  get capacity(): number {
    return subnetCount(this.pool, this.deps.prefix);
  }

  /** Subnets in use by registry entries and leases. */
  get used(): number {
    return new Set([...this.deps.registrySubnets(), ...this.leased]).size;
  }

  describe(): { pool: string; subnetPrefix: number } {
    return { pool: this.deps.pool, subnetPrefix: this.deps.prefix };
  }

  allocate(): Promise<SubnetLease> {
    return this.mutex.run(async () => {
      const taken = new Set([...this.deps.registrySubnets(), ...this.leased]);
      const foreign = [
        ...ENGINE_DEFAULT_POOLS,
        ...(await this.deps.engineSubnets()).flatMap((s) => parseCidr(s) ?? []),
        ...(await this.deps.hostRoutes()),
      ].filter((block) => overlaps(block, this.pool));
      for (let i = 0; i < this.capacity; i++) {
        const candidate = nthSubnet(this.pool, this.deps.prefix, i);
        const subnet = formatCidr(candidate);
        if (taken.has(subnet)) continue;
        if (foreign.some((block) => overlaps(block, candidate))) continue;
        return this.lease(subnet);
      }
      throw new AgentError(
        ErrorCode.SUBNETS_EXHAUSTED,
        `No free /${this.deps.prefix} subnet is left in ${this.deps.pool} (${this.capacity} in all). ` +
          'Delete unused projects or give the agent a larger networks.pool.',
        { pool: this.deps.pool, prefix: this.deps.prefix, capacity: this.capacity },
      );
    });
  }

  private lease(subnet: string): SubnetLease {
    this.leased.add(subnet);
    let released = false;
    return {
      subnet,
      release: () => {
        if (released) return;
        released = true;
        this.leased.delete(subnet);
      },
    };
  }
}
