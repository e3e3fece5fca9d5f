import { checkKnownHosts, type KnownHostEntry } from './known-hosts';
import { fingerprintOf, keyAlgorithmOf } from './fingerprint';
import type { HostKeyInfo } from '@contract/api';

export type HostKeyDecision =
  | { kind: 'accept'; source: 'pinned' | 'known_hosts' }
  | { kind: 'unknown'; info: HostKeyInfo }
  | { kind: 'changed'; info: HostKeyInfo; expected: string; source: 'pinned' | 'known_hosts' }
  | { kind: 'revoked'; info: HostKeyInfo };

export interface HostKeyPolicy {
  host: string;
  port: number;
  /** The fingerprint the person confirmed earlier for this profile. */
  pinned?: string;
  knownHosts: readonly KnownHostEntry[];
}

/**
 * ssh2 accepts any host key unless told otherwise, so this is the whole of our protection
 * against a man in the middle: a pinned key wins, then ~/.ssh/known_hosts, else the person
 * must confirm the fingerprint (trust on first use).
 */
export function decideHostKey(policy: HostKeyPolicy, keyBlob: Buffer): HostKeyDecision {
  const info: HostKeyInfo = {
    host: policy.host,
    port: policy.port,
    algorithm: keyAlgorithmOf(keyBlob),
    fingerprint: fingerprintOf(keyBlob),
  };
  const known = checkKnownHosts(policy.knownHosts, policy.host, policy.port, keyBlob);
  if (known.kind === 'revoked') return { kind: 'revoked', info };
  if (policy.pinned) {
    return policy.pinned === info.fingerprint
      ? { kind: 'accept', source: 'pinned' }
      : { kind: 'changed', info, expected: policy.pinned, source: 'pinned' };
  }
  if (known.kind === 'match') return { kind: 'accept', source: 'known_hosts' };
  if (known.kind === 'mismatch') {
    return { kind: 'changed', info, expected: known.expected, source: 'known_hosts' };
  }
  return { kind: 'unknown', info };
}
