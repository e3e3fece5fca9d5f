import { readFile } from 'node:fs/promises';
import type { Ipv4Block } from './cidr';

/**
 * The host's IPv4 routes from /proc/net/route (no `ip` binary, no shell): every destination with
 * a non-zero mask, unreachable and blackhole routes included. The default route is left out: it
 * covers everything, and a bridge subnet is more specific than it. Empty where /proc is missing.
 */
export async function readHostRoutes(file = '/proc/net/route'): Promise<Ipv4Block[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return parseRouteTable(text);
}

export function parseRouteTable(text: string): Ipv4Block[] {
  const routes: Ipv4Block[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 8) continue;
    const destination = littleEndianHex(fields[1]!);
    const mask = littleEndianHex(fields[7]!);
    if (destination === undefined || mask === undefined || mask === 0) continue;
    const prefix = 32 - Math.log2(2 ** 32 - mask);
    if (!Number.isInteger(prefix)) continue;
    routes.push({ base: destination, prefix });
  }
  return routes;
}

/** /proc/net/route writes addresses as the host's in-memory u32: little-endian hex on x86/arm. */
function littleEndianHex(hex: string): number | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return undefined;
  const b = Buffer.from(hex, 'hex');
  return b.readUInt32LE(0);
}
