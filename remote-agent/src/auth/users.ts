import { AgentError } from '../agent-error';
import { ErrorCode } from '@protocol/error-codes';
import type { Role, UserPublic } from '@protocol/types';
import { PASSWORD_MIN, USERNAME_RE } from '@protocol/validation';
import { ownEntry, type AgentState, type UserRecord } from '../state/schema';

export function toPublicUser(user: UserRecord): UserPublic {
  return {
    username: user.username,
    role: user.role,
    disabled: user.disabled,
    grants: [...user.grants],
    createdAt: user.createdAt,
  };
}

export function checkPasswordStrength(password: string): void {
  if ([...password].length < PASSWORD_MIN) {
    throw new AgentError(
      ErrorCode.WEAK_PASSWORD,
      `The password is too short: use at least ${PASSWORD_MIN} characters.`,
      { min: PASSWORD_MIN },
    );
  }
}

export function checkUsername(username: string): void {
  if (!USERNAME_RE.test(username)) {
    throw new AgentError(
      ErrorCode.INVALID_PARAMS,
      'A username is 1-32 lowercase letters, digits, "_", "." or "-", starting with a letter.',
    );
  }
}

export function requireUser(state: AgentState, username: string): UserRecord {
  const user = ownEntry(state.users, username);
  if (!user) throw new AgentError(ErrorCode.NOT_FOUND, `There is no user "${username}".`);
  return user;
}

export function activeAdmins(state: AgentState): UserRecord[] {
  return Object.values(state.users).filter((u) => u.role === 'admin' && !u.disabled);
}

/** Refuses a change that would leave the agent with nobody able to manage it. */
export function keepAnAdmin(
  state: AgentState,
  username: string,
  after: { role: Role; disabled: boolean } | null,
): void {
  const user = ownEntry(state.users, username);
  if (!user || user.role !== 'admin' || user.disabled) return;
  const stillAdmin = after !== null && after.role === 'admin' && !after.disabled;
  if (!stillAdmin && activeAdmins(state).length <= 1) {
    throw new AgentError(
      ErrorCode.LAST_ADMIN,
      `"${username}" is the last active admin; make another admin first.`,
    );
  }
}

export function revokeSessionsOf(
  state: AgentState,
  username: string,
  exceptTokenHash?: string,
): number {
  let revoked = 0;
  for (const [hash, session] of Object.entries(state.sessions)) {
    if (session.username === username && hash !== exceptTokenHash) {
      delete state.sessions[hash];
      revoked++;
    }
  }
  return revoked;
}

/**
 * An admin may not demote or disable their own account: a slip of the hand would leave them
 * locked out with nobody to undo it.
 */
export function refuseSelfLockout(
  caller: { username: string },
  params: { username?: unknown; role?: unknown; disabled?: unknown },
): void {
  if (params.username !== caller.username) return;
  if ((params.role !== undefined && params.role !== 'admin') || params.disabled === true) {
    throw new AgentError(
      ErrorCode.FORBIDDEN,
      'You cannot demote or disable your own account; ask another admin.',
    );
  }
}
