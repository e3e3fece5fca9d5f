import { isIP } from 'node:net';
import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * A fully qualified name the proxy can get a certificate for: lowercase LDH labels, at least
 * two of them, no IP address, no wildcard (those need a DNS challenge, which needs a DNS
 * provider's credentials). A trailing dot is dropped; upper case is folded.
 */
export function normalizeHostname(input: string): string {
  const name = input.trim().toLowerCase().replace(/\.$/, '');
  const refuse = (reason: string) =>
    new AgentError(ErrorCode.INVALID_HOSTNAME, `"${input.slice(0, 100)}" ${reason}`, {
      hostname: input.slice(0, 300),
    });
  if (name.length === 0) throw refuse('is empty: give a name such as api.example.com.');
  if (name.length > 253) throw refuse('is longer than the 253 characters a DNS name may have.');
  if (isIP(name) || isIP(name.replace(/^\[|\]$/g, ''))) {
    throw refuse('is an IP address: certificates are issued for names. Give a domain name.');
  }
  if (name.includes('*')) {
    throw refuse('is a wildcard; add each name on its own (api.example.com, studio.example.com).');
  }
  const labels = name.split('.');
  if (labels.length < 2) throw refuse('is not a full domain name (such as api.example.com).');
  if (!labels.every((label) => LABEL.test(label))) {
    throw refuse(
      'is not a valid domain name: use letters, digits and hyphens, with dots between the parts.',
    );
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) {
    throw refuse('ends in a number, which no top-level domain does.');
  }
  return name;
}

/** CIDR ranges (or single addresses) for the Studio allow-list, checked one by one. */
export function normalizeAllowList(ranges: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of ranges) {
    const value = raw.trim();
    const [address, bits, extra] = value.split('/');
    const family = isIP(address ?? '');
    const maxBits = family === 6 ? 128 : 32;
    const validBits =
      bits === undefined ||
      (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits && extra === undefined);
    if (!family || !validBits) {
      throw new AgentError(
        ErrorCode.INVALID_PARAMS,
        `"${value.slice(0, 64)}" is not an IP address or range (such as 203.0.113.0/24).`,
        { field: 'studioAllowIps' },
      );
    }
    if (!out.includes(value)) out.push(value);
  }
  return out;
}
