import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { AgentError } from '../agent-error';
import { ErrorCode } from '@protocol/error-codes';

/** The group whose members reach the agent when it runs as root and none is configured. */
export const DEFAULT_SOCKET_GROUP = 'ultrabase';

/**
 * The gid the socket is given after listen, or undefined to keep the agent's own group. A
 * configured group must exist (a typo must not silently leave staff without access); the
 * default `ultrabase` group is used only by a root agent and only when it exists.
 */
export function resolveSocketGroup(
  configured: string | undefined,
  options: { isRoot: boolean; lookup?: (name: string) => number | undefined },
): number | undefined {
  const lookup = options.lookup ?? lookupGroup;
  if (configured !== undefined) {
    if (/^\d+$/.test(configured)) return Number(configured);
    const gid = lookup(configured);
    if (gid === undefined) {
      throw new AgentError(
        ErrorCode.CONFIG_INVALID,
        `socketGroup: there is no group "${configured}" on this host; create it or fix the name.`,
        { key: 'socketGroup' },
      );
    }
    return gid;
  }
  return options.isRoot ? lookup(DEFAULT_SOCKET_GROUP) : undefined;
}

/** /etc/group first, then NSS through `getent` (LDAP, sssd); never through a shell. */
export function lookupGroup(name: string): number | undefined {
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [group, , gid] = line.split(':');
      if (group === name && gid && /^\d+$/.test(gid)) return Number(gid);
    }
  } catch {
    // no /etc/group: ask NSS
  }
  try {
    const out = execFileSync('getent', ['group', name], { encoding: 'utf8', timeout: 5000 });
    const gid = out.split(':')[2];
    return gid && /^\d+$/.test(gid) ? Number(gid) : undefined;
  } catch {
    return undefined;
  }
}
