/** An IPv4 block: its first address as an unsigned 32-bit number and its prefix length. */
export interface Ipv4Block {
  base: number;
  prefix: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** `10.231.0.0/16` → block; undefined for anything else (IPv6, host bits set, junk). */
export function parseCidr(text: string): Ipv4Block | undefined {
  const m = CIDR.exec(text.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  if (base % blockSize(prefix) !== 0) return undefined;
  return { base, prefix };
}

export function formatCidr(block: Ipv4Block): string {
  const { base } = block;
  const octets = [base >>> 24, (base >>> 16) & 255, (base >>> 8) & 255, base & 255];
  return `${octets.join('.')}/${block.prefix}`;
}

export function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

export function overlaps(a: Ipv4Block, b: Ipv4Block): boolean {
  return a.base < b.base + blockSize(b.prefix) && b.base < a.base + blockSize(a.prefix);
}

/** How many subnets of `prefix` the pool holds. */
export function subnetCount(pool: Ipv4Block, prefix: number): number {
  return prefix < pool.prefix ? 0 : blockSize(pool.prefix) / blockSize(prefix);
}

/** The `index`-th subnet of `prefix` inside the pool, counted from its start. */
export function nthSubnet(pool: Ipv4Block, prefix: number, index: number): Ipv4Block {
  return { base: pool.base + index * blockSize(prefix), prefix };
}

/**
 * The private ranges of RFC 1918 and the engine's own default address pools (bridge networks
 * get a /16 out of 172.17–172.31 and /20s out of 192.168/16 when nobody names a subnet).
 */
export const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) =>
  parseCidr(c)!,
);
export const ENGINE_DEFAULT_POOLS = [
  '172.17.0.0/16',
  '172.18.0.0/15',
  '172.20.0.0/14',
  '172.24.0.0/13',
  '192.168.0.0/16',
].map((c) => parseCidr(c)!);

/** True when the block lies wholly inside one RFC 1918 range. */
export function isPrivate(block: Ipv4Block): boolean {
  return PRIVATE_RANGES.some(
    (r) =>
      block.base >= r.base && block.base + blockSize(block.prefix) <= r.base + blockSize(r.prefix),
  );
}
