import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { DnsRecord } from '@protocol/types';

export interface DnsLookup {
  /** The name's A and AAAA answers; [] when it has none (NXDOMAIN, NODATA). */
  addresses(hostname: string): Promise<string[]>;
}

const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA', 'NOTFOUND', 'NODATA']);

/** DNS through the given servers (`ip` or `ip:port`), or the system's when none are given. */
export function dnsLookup(servers?: readonly string[]): DnsLookup {
  const resolver = new Resolver({ timeout: 3_000, tries: 2 });
  if (servers?.length) resolver.setServers([...servers]);
  const answers = (query: Promise<string[]>) =>
    query.catch((error: NodeJS.ErrnoException) => {
      if (error.code && NOT_FOUND.has(error.code)) return [] as string[];
      throw error;
    });
  return {
    async addresses(hostname) {
      const [v4, v6] = await Promise.all([
        answers(resolver.resolve4(hostname)),
        answers(resolver.resolve6(hostname)),
      ]);
      return [...v4, ...v6];
    },
  };
}

/**
 * Where names must point: the configured addresses, else the external host when it is an
 * address (or what it resolves to), else this machine's own non-loopback addresses.
 */
export async function serverAddresses(
  options: { configured?: readonly string[]; externalHost?: string },
  lookup: DnsLookup,
): Promise<string[]> {
  if (options.configured?.length) return [...options.configured];
  const host = options.externalHost?.replace(/^\[|\]$/g, '');
  if (host && isIP(host)) return [host];
  if (host) {
    const resolved = await lookup.addresses(host).catch(() => []);
    if (resolved.length) return resolved;
  }
  const own: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (!info.internal && !info.address.startsWith('fe80:')) own.push(info.address);
    }
  }
  return own;
}

export function recordsFor(hostname: string, addresses: readonly string[]): DnsRecord[] {
  return addresses.map((value) => ({
    type: isIP(value) === 6 ? 'AAAA' : 'A',
    name: hostname,
    value,
  }));
}

function describeRecords(records: readonly DnsRecord[]): string {
  return records.map((r) => `${r.name}. ${r.type} ${r.value}`).join('; ');
}

/**
 * Refuses a name that does not resolve to this server, before any certificate is asked for: a
 * CA's HTTP challenge would fail anyway, and failed orders count against its rate limits. Every
 * address the name has must be the server's (a stray AAAA record sends the CA elsewhere).
 */
export async function checkResolvesToServer(
  hostname: string,
  expected: readonly string[],
  lookup: DnsLookup,
): Promise<void> {
  const records = recordsFor(hostname, expected);
  if (expected.length === 0) {
    throw new AgentError(
      ErrorCode.CONFIG_INVALID,
      'The agent does not know this server’s public address, so it cannot check the name. ' +
        'Set "externalHost" (or "proxy.serverAddresses") in the agent configuration.',
      { key: 'externalHost' },
    );
  }
  let found: string[];
  try {
    found = await lookup.addresses(hostname);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new AgentError(
      ErrorCode.DOMAIN_DNS_MISMATCH,
      `The DNS lookup of ${hostname} failed (${reason}). Check that the record exists: ` +
        `${describeRecords(records)}`,
      { hostname, found: [], expected: [...expected], records, lookupError: reason },
    );
  }
  const foreign = found.filter((address) => !expected.includes(address));
  if (found.length > 0 && foreign.length === 0) return;
  const what =
    found.length === 0
      ? `${hostname} does not resolve to any address yet.`
      : `${hostname} resolves to ${found.join(', ')}, not to this server (${expected.join(', ')}).`;
  throw new AgentError(
    ErrorCode.DOMAIN_DNS_MISMATCH,
    `${what} Create this DNS record at the name’s DNS provider` +
      `${foreign.length ? ' (and remove the others)' : ''}, wait for it to spread, then try ` +
      `again: ${describeRecords(records)}`,
    { hostname, found, expected: [...expected], records },
  );
}
