import { ENGINE_DEFAULT_POOLS, formatCidr, isPrivate, overlaps, parseCidr } from './cidr';

/** Why a configured pool cannot serve project subnets, or undefined when it can. */
export function networkPoolProblem(pool: string, subnetPrefix: number): string | undefined {
  const block = parseCidr(pool);
  if (!block)
    return `(${pool}) must be an IPv4 range whose host bits are zero, like 10.231.0.0/16.`;
  if (!isPrivate(block)) return `(${pool}) must lie inside 10/8, 172.16/12 or 192.168/16.`;
  const clash = ENGINE_DEFAULT_POOLS.find((p) => overlaps(p, block));
  if (clash) {
    return `(${pool}) overlaps Docker's default address pool ${formatCidr(clash)}; pick a range in 10/8.`;
  }
  if (subnetPrefix < block.prefix) {
    return `(${pool}) is smaller than one /${subnetPrefix} subnet (networks.subnetPrefix).`;
  }
  return undefined;
}
