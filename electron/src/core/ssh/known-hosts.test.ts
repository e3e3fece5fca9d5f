import { describe, expect, it } from 'vitest';
import { fingerprintOf, keyAlgorithmOf, normalizeFingerprint } from './fingerprint';
import { checkKnownHosts, knownHostsName, parseKnownHosts } from './known-hosts';
import { decideHostKey } from './host-verifier';

// Produced by OpenSSH: `ssh-keygen -t ed25519`, `ssh-keygen -lf`, `ssh-keygen -H`.
const KEY_B64 = 'AAAAC3NzaC1lZDI1NTE5AAAAIDdECrVlnoztCRVLo/PpAidLxVNn59S5ygLNaOSovw2c';
const KEY = Buffer.from(KEY_B64, 'base64');
const KEY_FP = 'SHA256:eWgsUG3RUkZbr9lG/UKGX1er75ycccDUO40+Exy6dbE';
const HASHED = [
  `|1|x+1eUoZUvhkbaHhzAyHaklMsFPo=|stcKiRlhJjz5+yvr+cRPnRkHgw4= ssh-ed25519 ${KEY_B64}`, // [10.0.0.5]:2222
  `|1|+CmWWJplO8Yz0RagHBtP1AElBUE=|EtCPIJxocJMZrjBIhj+PCWU1ikM= ssh-ed25519 ${KEY_B64}`, // example.com
].join('\n');
const OTHER = Buffer.concat([
  KEY.subarray(0, KEY.length - 1),
  Buffer.from([KEY[KEY.length - 1]! ^ 1]),
]);

describe('fingerprints', () => {
  it('match ssh-keygen -l byte for byte', () => {
    expect(fingerprintOf(KEY)).toBe(KEY_FP);
    expect(keyAlgorithmOf(KEY)).toBe('ssh-ed25519');
  });
  it('normalise what people paste', () => {
    expect(normalizeFingerprint(' eWgsUG3RUkZbr9lG/UKGX1er75ycccDUO40+Exy6dbE= ')).toBe(KEY_FP);
    expect(normalizeFingerprint(KEY_FP)).toBe(KEY_FP);
  });
});

describe('known_hosts', () => {
  it('names non-22 ports in brackets', () => {
    expect(knownHostsName('h', 22)).toBe('h');
    expect(knownHostsName('h', 2222)).toBe('[h]:2222');
  });
  it('matches hashed entries for the exact host and port only', () => {
    const entries = parseKnownHosts(HASHED);
    expect(entries).toHaveLength(2);
    expect(checkKnownHosts(entries, '10.0.0.5', 2222, KEY).kind).toBe('match');
    expect(checkKnownHosts(entries, 'example.com', 22, KEY).kind).toBe('match');
    expect(checkKnownHosts(entries, '10.0.0.5', 22, KEY).kind).toBe('absent');
    expect(checkKnownHosts(entries, 'example.org', 22, KEY).kind).toBe('absent');
  });
  it('reports a different key of the same algorithm as a mismatch naming the old one', () => {
    const entries = parseKnownHosts(HASHED);
    expect(checkKnownHosts(entries, 'example.com', 22, OTHER)).toEqual({
      kind: 'mismatch',
      expected: KEY_FP,
    });
  });
  it('handles plain patterns, wildcards, negation, comments and revoked keys', () => {
    const text = [
      '# comment',
      `web1,web2 ssh-ed25519 ${KEY_B64}`,
      `*.lan,!evil.lan ssh-ed25519 ${KEY_B64}`,
      `@revoked * ssh-ed25519 ${OTHER.toString('base64')}`,
      'garbage',
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(checkKnownHosts(entries, 'web2', 22, KEY).kind).toBe('match');
    expect(checkKnownHosts(entries, 'box.lan', 22, KEY).kind).toBe('match');
    expect(checkKnownHosts(entries, 'evil.lan', 22, KEY).kind).toBe('absent');
    expect(checkKnownHosts(entries, 'web1', 22, OTHER).kind).toBe('revoked');
  });
});

describe('decideHostKey', () => {
  const kh = parseKnownHosts(HASHED);
  it('asks the person about an unknown key, with what they need to compare', () => {
    expect(decideHostKey({ host: 'new', port: 22, knownHosts: kh }, KEY)).toEqual({
      kind: 'unknown',
      info: { host: 'new', port: 22, algorithm: 'ssh-ed25519', fingerprint: KEY_FP },
    });
  });
  it('accepts a pinned or known key and refuses a changed one', () => {
    expect(decideHostKey({ host: 'x', port: 22, pinned: KEY_FP, knownHosts: [] }, KEY).kind).toBe(
      'accept',
    );
    expect(decideHostKey({ host: 'example.com', port: 22, knownHosts: kh }, KEY)).toEqual({
      kind: 'accept',
      source: 'known_hosts',
    });
    const changed = decideHostKey({ host: 'x', port: 22, pinned: KEY_FP, knownHosts: [] }, OTHER);
    expect(changed).toMatchObject({
      kind: 'changed',
      expected: KEY_FP,
      info: { fingerprint: fingerprintOf(OTHER) },
    });
    expect(decideHostKey({ host: 'example.com', port: 22, knownHosts: kh }, OTHER).kind).toBe(
      'changed',
    );
  });
});
