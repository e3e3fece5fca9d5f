import { homedir } from 'node:os';
import { join } from 'node:path';
import { UltrabaseError } from '@contract/errors';
import { readRegularFile, type FileReadRefused } from '../files/read-regular-file';
import type { SshConfigHost } from '@contract/api';

function expandHome(path: string, home: string): string {
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/**
 * The hosts of an OpenSSH client config, for prefilling profiles. Only concrete `Host` aliases
 * become entries (patterns with * ? or ! describe groups, not servers); the first value of a
 * keyword wins, as in ssh_config(5), including values from earlier matching wildcard blocks.
 */
export function parseSshConfig(text: string, home = homedir()): SshConfigHost[] {
  interface Block {
    patterns: string[];
    values: Map<string, string>;
  }
  const blocks: Block[] = [];
  let current: Block = { patterns: ['*'], values: new Map() };
  let inMatch = false;
  blocks.push(current);
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!m) continue;
    const keyword = m[1]!.toLowerCase();
    const value = m[2]!.trim().replace(/^"(.*)"$/, '$1');
    if (keyword === 'host') {
      inMatch = false;
      current = { patterns: value.split(/\s+/), values: new Map() };
      blocks.push(current);
      continue;
    }
    if (keyword === 'match') {
      // Match blocks depend on runtime conditions we cannot evaluate: skip their contents.
      inMatch = true;
      continue;
    }
    if (inMatch) continue;
    if (!current.values.has(keyword)) current.values.set(keyword, value);
  }

  const isConcrete = (p: string) => !/[*?!]/.test(p);
  const matches = (pattern: string, alias: string) => {
    const negated = pattern.startsWith('!');
    const body = (negated ? pattern.slice(1) : pattern)
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    return { hit: new RegExp('^' + body + '$').test(alias), negated };
  };
  const blockApplies = (block: Block, alias: string) => {
    let hit = false;
    for (const p of block.patterns) {
      const r = matches(p, alias);
      if (r.hit && r.negated) return false;
      if (r.hit) hit = true;
    }
    return hit;
  };

  const hosts: SshConfigHost[] = [];
  const seen = new Set<string>();
  for (const block of blocks) {
    for (const alias of block.patterns) {
      if (!isConcrete(alias) || seen.has(alias)) continue;
      seen.add(alias);
      const values = new Map<string, string>();
      for (const b of blocks) {
        if (!blockApplies(b, alias)) continue;
        for (const [k, v] of b.values) if (!values.has(k)) values.set(k, v);
      }
      const entry: SshConfigHost = { alias, hostName: values.get('hostname') ?? alias };
      const user = values.get('user');
      if (user) entry.user = user;
      const port = Number(values.get('port'));
      if (Number.isInteger(port) && port > 0 && port < 65536) entry.port = port;
      const identity = values.get('identityfile');
      if (identity) entry.identityFile = expandHome(identity, home);
      const jump = values.get('proxyjump');
      if (jump && jump.toLowerCase() !== 'none') entry.proxyJump = jump;
      hosts.push(entry);
    }
  }
  return hosts;
}

/** Real configs are a few KiB; a bigger file is not one. */
export const MAX_SSH_CONFIG_BYTES = 1024 * 1024;

export async function readSshConfig(path?: string): Promise<SshConfigHost[]> {
  const file = path ?? join(homedir(), '.ssh', 'config');
  let text: string;
  try {
    text = (await readRegularFile(file, MAX_SSH_CONFIG_BYTES)).toString('utf8');
  } catch (err) {
    const refused = err as FileReadRefused;
    if (refused.reason === 'not-found' && path === undefined) return [];
    throw new UltrabaseError(
      'SSH_CONFIG_UNREADABLE',
      `Could not read the SSH config file: ${refused.message}`,
      { path: file, reason: refused.reason },
    );
  }
  return parseSshConfig(text);
}
