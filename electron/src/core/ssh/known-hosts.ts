import { createHmac } from 'node:crypto';
import { fingerprintOf, keyAlgorithmOf } from './fingerprint';

/** One usable line of a known_hosts file (markers like @revoked are kept to refuse those keys). */
export interface KnownHostEntry {
  patterns: string[];
  /** `|1|salt|hash` entries: the host name is only recoverable by hashing a candidate. */
  hashed?: { salt: Buffer; hash: Buffer };
  marker?: '@revoked' | '@cert-authority';
  algorithm: string;
  key: Buffer;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields.shift() as KnownHostEntry['marker'];
    }
    const [hosts, algorithm, keyB64] = fields;
    if (!hosts || !algorithm || !keyB64) continue;
    const key = Buffer.from(keyB64, 'base64');
    if (key.length === 0) continue;
    const entry: KnownHostEntry = { patterns: [], algorithm, key };
    if (marker) entry.marker = marker;
    if (hosts.startsWith('|1|')) {
      const [, , salt, hash] = hosts.split('|');
      if (!salt || !hash) continue;
      entry.hashed = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
    } else {
      entry.patterns = hosts.split(',');
    }
    entries.push(entry);
  }
  return entries;
}

/** How OpenSSH names a host in known_hosts: bare for port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp('^' + escaped + '$', 'i');
}

function entryMatchesHost(entry: KnownHostEntry, name: string): boolean {
  if (entry.hashed) {
    const digest = createHmac('sha1', entry.hashed.salt).update(name).digest();
    return digest.equals(entry.hashed.hash);
  }
  let matched = false;
  for (const pattern of entry.patterns) {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    if (globToRegExp(body).test(name)) {
      // A negated match excludes the host whatever else matched (sshd(8) "SSH_KNOWN_HOSTS").
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

export type KnownHostsVerdict =
  | { kind: 'match' }
  | { kind: 'mismatch'; expected: string }
  | { kind: 'revoked' }
  | { kind: 'absent' };

/**
 * What known_hosts says about the key a server presented. A different key recorded for the same
 * host and algorithm is a mismatch (OpenSSH's "REMOTE HOST IDENTIFICATION HAS CHANGED"); a key
 * of another algorithm only is "absent", as OpenSSH then asks rather than refuses.
 */
export function checkKnownHosts(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  keyBlob: Buffer,
): KnownHostsVerdict {
  const name = knownHostsName(host, port);
  const algorithm = keyAlgorithmOf(keyBlob);
  // A revoked key is refused even when another line lists it as good.
  if (entries.some((e) => e.marker === '@revoked' && e.key.equals(keyBlob))) {
    return { kind: 'revoked' };
  }
  let mismatch: string | undefined;
  for (const entry of entries) {
    if (entry.marker) continue;
    if (!entryMatchesHost(entry, name)) continue;
    if (entry.key.equals(keyBlob)) return { kind: 'match' };
    if (entry.algorithm === algorithm) mismatch ??= fingerprintOf(entry.key);
  }
  return mismatch ? { kind: 'mismatch', expected: mismatch } : { kind: 'absent' };
}
