import path from 'node:path';
import { AgentError } from '../agent-error';
import { ErrorCode } from '@protocol/error-codes';
import type { PublicKey } from './public-key';
import type { FileFacts, StaffOs } from './os';

/** Where the forced command finds the agent: the paths of the running agent itself. */
export interface DialTarget {
  node: string;
  script: string;
  socket: string;
}

// authorized_keys has no quoting inside command="…" except \" — so paths with anything but
// these characters are refused rather than escaped.
const SAFE_PATH_RE = /^\/[A-Za-z0-9._/-]+$/;

const SAFE_ACCOUNT_RE = /^[a-z_][a-z0-9_-]{0,31}$/;

/**
 * The one command a staff key may run; sshd runs it through the account's shell (sh -c).
 * `--as` binds the agent connection to this account (staff/connection-identity.ts).
 */
export function forcedCommand(target: DialTarget, username: string): string {
  if (!SAFE_ACCOUNT_RE.test(username)) {
    throw new AgentError(
      ErrorCode.STAFF_UNSUPPORTED,
      `The account name "${username}" cannot go into a forced SSH command.`,
    );
  }
  for (const p of [target.node, target.script, target.socket]) {
    if (!SAFE_PATH_RE.test(p)) {
      throw new AgentError(
        ErrorCode.STAFF_UNSUPPORTED,
        `The agent path "${p}" has characters a forced SSH command cannot carry safely; ` +
          'install the agent under a plain path such as /opt/ultrabase.',
        { path: p },
      );
    }
  }
  return `${target.node} ${target.script} dial --socket ${target.socket} --as ${username}`;
}

/**
 * The whole authorized_keys file of a staff account. `restrict` turns off every forwarding,
 * the pty, X11, agent forwarding and ~/.ssh/rc; `command=` replaces whatever the client asks
 * to run (a shell, sftp, `cat …`) with the agent's dial.
 */
export function authorizedKeysFile(target: DialTarget, key: PublicKey, username: string): string {
  return `restrict,command="${forcedCommand(target, username)}" ${key.type} ${key.base64} ultrabase-staff:${username}\n`;
}

type Need = 'exec' | 'read' | 'traverse' | 'connect';

const OTHER_BITS: Record<Need, number> = {
  exec: 0o001,
  read: 0o004,
  traverse: 0o001,
  connect: 0o006,
};

/**
 * Makes sure a non-root member of `group` can reach node, the agent script and the socket.
 * Directories and files of the agent's own install (a path with an `ultrabase` folder in it,
 * owned by root) are given to the group with the bits needed; anything else that is closed,
 * and a socket not in the group, is refused with the path so the operator can fix it.
 * The data directory is never on these paths, so it stays 0700 root.
 */
export async function ensureDialReachable(
  os: StaffOs,
  target: DialTarget,
  group: { name: string; gid: number },
  options: { socketListening: boolean },
): Promise<void> {
  if (options.socketListening) await checkSocket(os, target, group);
  const wanted: Array<[string, Need]> = [
    ...ancestors(target.node).map((p): [string, Need] => [p, 'traverse']),
    [target.node, 'exec'],
    ...ancestors(target.script).map((p): [string, Need] => [p, 'traverse']),
    [target.script, 'read'],
    ...ancestors(target.socket).map((p): [string, Need] => [p, 'traverse']),
  ];
  const socketDir = path.dirname(target.socket);
  const seen = new Set<string>();
  for (const [p, need] of wanted) {
    if (seen.has(p + need)) continue;
    seen.add(p + need);
    let facts = await os.stat(p).catch(() => undefined);
    if (!facts && p === socketDir && isUnderUltrabase(p)) {
      // At start /run is often fresh (tmpfs): made here, before the agent listens, the socket's
      // folder is traversable by the group from the first connection on.
      await os.makeDirectory(p, 0o710, group.gid);
      facts = await os.stat(p);
    }
    if (!facts) {
      throw new AgentError(ErrorCode.STAFF_UNSUPPORTED, `${p} is missing.`, { path: p });
    }
    if (allows(facts, need, group.gid)) continue;
    if (!isAgentOwned(p, facts, group.gid)) {
      throw new AgentError(
        ErrorCode.STAFF_UNSUPPORTED,
        `Staff accounts cannot reach ${p} (mode ${facts.mode.toString(8)}), which the agent ` +
          `does not own; let the "${group.name}" group ${need} it.`,
        { path: p, group: group.name },
      );
    }
    // The group gets exactly what the dial needs (a folder: traverse, not list), nothing more.
    await os.setGroupAccess(p, group.gid, (facts.mode & ~0o070) | (OTHER_BITS[need] << 3));
  }
}

async function checkSocket(
  os: StaffOs,
  target: DialTarget,
  group: { name: string; gid: number },
): Promise<void> {
  const socket = await os.stat(target.socket).catch(() => undefined);
  if (!socket?.isSocket) {
    throw new AgentError(
      ErrorCode.STAFF_UNSUPPORTED,
      `The agent's socket ${target.socket} is missing.`,
      { path: target.socket },
    );
  }
  if (!allows(socket, 'connect', group.gid)) {
    throw new AgentError(
      ErrorCode.STAFF_UNSUPPORTED,
      `The agent's socket ${target.socket} is not open to the "${group.name}" group; set ` +
        `"socketGroup": "${group.name}" in the agent's config and restart it.`,
      { path: target.socket, group: group.name },
    );
  }
}

function allows(facts: FileFacts, need: Need, gid: number): boolean {
  const bits = OTHER_BITS[need];
  // A staff account owns nothing here, so only the group or the "other" bits can apply.
  const granted = facts.gid === gid ? (facts.mode >> 3) & 0o7 : facts.mode & 0o7;
  return (granted & bits) === bits;
}

function isAgentOwned(p: string, facts: FileFacts, gid: number): boolean {
  return facts.uid === 0 && (facts.gid === 0 || facts.gid === gid) && isUnderUltrabase(p);
}

function isUnderUltrabase(p: string): boolean {
  return p.split('/').some((part) => part === 'ultrabase' || part === '.ultrabase');
}

/** "/a/b/c" → ["/", "/a", "/a/b"]. */
function ancestors(p: string): string[] {
  const out: string[] = [];
  for (let dir = path.dirname(p); ; dir = path.dirname(dir)) {
    out.unshift(dir);
    if (dir === '/') return out;
  }
}
