import { AgentError } from '../agent-error';
import type { SessionInfo } from '@protocol/methods';
import { ErrorCode } from '@protocol/error-codes';
import type { Role, UserPublic } from '@protocol/types';
import { ownEntry, type AgentState, type UserRecord } from '../state/schema';
import type { StateStore } from '../state/store';
import { burnPasswordCheck, hashPassword, verifyPassword } from './password';
import { LOGIN_POLICY, LoginRateLimiter, type LoginAttempt, type LoginPolicy } from './rate-limit';
import { hashToken, newSessionToken, SESSION_TTL_MS } from './tokens';
import {
  activeAdmins,
  checkPasswordStrength,
  checkUsername,
  keepAnAdmin,
  requireUser,
  revokeSessionsOf,
  toPublicUser,
} from './users';

export interface AuthDeps {
  store: StateStore;
  now: () => Date;
  hash?: (password: string) => Promise<string>;
  /** The scrypt comparison; `stored` is undefined for an unknown name (a dummy check runs). */
  checkPassword?: (password: string, stored: string | undefined) => Promise<boolean>;
  loginPolicy?: Partial<LoginPolicy>;
}

/** Who is calling: resolved from the session on every call, so revocation takes effect at once. */
export interface Caller {
  username: string;
  role: Role;
  grants: readonly string[];
  tokenHash: string;
}

const INVALID_LOGIN = 'Wrong username or password.';

/** Users and sessions (the seed's UserManager): scrypt hashes, hashed 24 h tokens, rate limit. */
export class AuthService {
  private readonly limiter: LoginRateLimiter;
  private readonly hash: (password: string) => Promise<string>;
  private readonly checkPassword: (
    password: string,
    stored: string | undefined,
  ) => Promise<boolean>;
  private readonly maxChangeFailures: number;

  constructor(private readonly deps: AuthDeps) {
    const policy = { ...LOGIN_POLICY, ...deps.loginPolicy };
    this.limiter = new LoginRateLimiter(policy, () => deps.now().getTime());
    this.maxChangeFailures = policy.maxFailures;
    this.hash = deps.hash ?? hashPassword;
    this.checkPassword = deps.checkPassword ?? checkStoredPassword;
  }

  /**
   * `origin` names where the attempt comes from (the connection): failures lock out that
   * origin, not the account everywhere.
   */
  async login(username: string, password: string, origin = 'direct'): Promise<SessionInfo> {
    const attempt = await this.limiter.begin(username, origin);
    const user = ownEntry(this.deps.store.read().users, username);
    const ok = await this.settle(attempt, () => this.checkPassword(password, user?.passwordHash));
    if (!user || !ok || user.disabled) {
      attempt.failed();
      throw new AgentError(ErrorCode.INVALID_CREDENTIALS, INVALID_LOGIN);
    }
    attempt.succeeded();
    const token = newSessionToken();
    const now = this.deps.now();
    const expiresAt = new Date(now.getTime() + SESSION_TTL_MS).toISOString();
    await this.deps.store.mutate((state) => {
      pruneExpired(state, now);
      state.sessions[hashToken(token)] = {
        username,
        createdAt: now.toISOString(),
        expiresAt,
      };
    });
    return { token, expiresAt, user: toPublicUser(user) };
  }

  resume(token: string): SessionInfo {
    const caller = this.authenticate(hashToken(token));
    const session = ownEntry(this.deps.store.read().sessions, caller.tokenHash)!;
    const user = ownEntry(this.deps.store.read().users, caller.username)!;
    return { token, expiresAt: session.expiresAt, user: toPublicUser(user) };
  }

  /** The caller behind a session, or UNAUTHENTICATED if it expired, was revoked or disabled. */
  authenticate(tokenHash: string): Caller {
    const state = this.deps.store.read();
    const session = ownEntry(state.sessions, tokenHash);
    const user = session ? ownEntry(state.users, session.username) : undefined;
    if (
      !session ||
      !user ||
      user.disabled ||
      Date.parse(session.expiresAt) <= this.deps.now().getTime()
    ) {
      throw new AgentError(
        ErrorCode.UNAUTHENTICATED,
        'The session expired or was revoked; log in again.',
      );
    }
    return { username: user.username, role: user.role, grants: user.grants, tokenHash };
  }

  async logout(tokenHash: string): Promise<void> {
    await this.deps.store.mutate((state) => {
      delete state.sessions[tokenHash];
    });
  }

  /** Revokes the user's other sessions: a changed password must lock out whoever had the old. */
  /**
   * Limited like a login (a stolen token must not become unlimited guessing of the password
   * behind it), and the session ends after as many failures as lock a login out.
   */
  async changePassword(caller: Caller, current: string, next: string): Promise<void> {
    const user = requireUser(this.deps.store.read(), caller.username);
    const origin = `session:${caller.tokenHash}`;
    const attempt = await this.limiter.begin(caller.username, origin);
    const ok = await this.settle(attempt, () => this.checkPassword(current, user.passwordHash));
    if (!ok) {
      attempt.failed();
      if (++this.changeFailures(caller.tokenHash).count >= this.maxChangeFailures) {
        this.changeFailureCounts.delete(caller.tokenHash);
        await this.logout(caller.tokenHash);
      }
      throw new AgentError(ErrorCode.INVALID_CREDENTIALS, 'The current password is wrong.');
    }
    attempt.succeeded();
    this.changeFailureCounts.delete(caller.tokenHash);
    checkPasswordStrength(next);
    const passwordHash = await this.hash(next);
    await this.deps.store.mutate((state) => {
      const u = requireUser(state, caller.username);
      u.passwordHash = passwordHash;
      u.updatedAt = this.deps.now().toISOString();
      revokeSessionsOf(state, caller.username, caller.tokenHash);
    });
  }

  listUsers(): UserPublic[] {
    return Object.values(this.deps.store.read().users)
      .map(toPublicUser)
      .sort((a, b) => a.username.localeCompare(b.username));
  }

  async createUser(username: string, password: string, role: Role): Promise<UserPublic> {
    checkUsername(username);
    checkPasswordStrength(password);
    this.refuseExisting(username);
    const passwordHash = await this.hash(password);
    return this.deps.store.mutate((state) => {
      this.refuseExisting(username, state);
      const at = this.deps.now().toISOString();
      const user: UserRecord = {
        username,
        role,
        passwordHash,
        disabled: false,
        grants: [],
        createdAt: at,
        updatedAt: at,
      };
      state.users[username] = user;
      return toPublicUser(user);
    });
  }

  async updateUser(
    username: string,
    patch: { role?: Role; password?: string; disabled?: boolean; unlock?: boolean },
  ): Promise<UserPublic> {
    requireUser(this.deps.store.read(), username);
    if (patch.unlock) this.limiter.clear(username);
    if (patch.password !== undefined) checkPasswordStrength(patch.password);
    const passwordHash = patch.password !== undefined ? await this.hash(patch.password) : undefined;
    return this.deps.store.mutate((state) => {
      const user = requireUser(state, username);
      const role = patch.role ?? user.role;
      const disabled = patch.disabled ?? user.disabled;
      keepAnAdmin(state, username, { role, disabled });
      user.role = role;
      user.disabled = disabled;
      if (passwordHash) user.passwordHash = passwordHash;
      user.updatedAt = this.deps.now().toISOString();
      // Roles are read on every call, so only a new password or disabling ends sessions.
      if (passwordHash || disabled) revokeSessionsOf(state, username);
      return toPublicUser(user);
    });
  }

  async deleteUser(username: string): Promise<void> {
    await this.deps.store.mutate((state) => {
      requireUser(state, username);
      keepAnAdmin(state, username, null);
      delete state.users[username];
      revokeSessionsOf(state, username);
    });
  }

  async setGrant(username: string, instanceId: string, granted: boolean): Promise<UserPublic> {
    return this.deps.store.mutate((state) => {
      const user = requireUser(state, username);
      if (!ownEntry(state.instances, instanceId)) {
        throw new AgentError(ErrorCode.NOT_FOUND, `There is no instance "${instanceId}".`);
      }
      const grants = new Set(user.grants);
      if (granted) grants.add(instanceId);
      else grants.delete(instanceId);
      user.grants = [...grants].sort();
      user.updatedAt = this.deps.now().toISOString();
      return toPublicUser(user);
    });
  }

  /**
   * `admin create` from the VPS shell: allowed while no active admin exists; `force` (the
   * recovery path for a forgotten password) resets an existing account to an enabled admin.
   */
  async createAdmin(username: string, password: string, force: boolean): Promise<UserPublic> {
    checkUsername(username);
    checkPasswordStrength(password);
    if (!force && activeAdmins(this.deps.store.read()).length > 0) {
      throw new AgentError(
        ErrorCode.ADMIN_EXISTS,
        'An admin already exists; log in as that admin to add users, or pass --force.',
      );
    }
    const passwordHash = await this.hash(password);
    return this.deps.store.mutate((state) => {
      const at = this.deps.now().toISOString();
      const existing = ownEntry(state.users, username);
      if (existing && !force) {
        throw new AgentError(ErrorCode.USER_EXISTS, `The user "${username}" already exists.`);
      }
      const user: UserRecord = {
        username,
        role: 'admin',
        passwordHash,
        disabled: false,
        grants: existing?.grants ?? [],
        createdAt: existing?.createdAt ?? at,
        updatedAt: at,
      };
      state.users[username] = user;
      revokeSessionsOf(state, username);
      return toPublicUser(user);
    });
  }

  /** Drops expired sessions (at start; also on each login). */
  async pruneSessions(): Promise<number> {
    const now = this.deps.now();
    const expired = Object.values(this.deps.store.read().sessions).filter(
      (s) => Date.parse(s.expiresAt) <= now.getTime(),
    ).length;
    if (expired > 0) await this.deps.store.mutate((state) => pruneExpired(state, now));
    return expired;
  }

  /** Runs a reserved check; a check that throws releases its reservation as a failure. */
  private async settle(attempt: LoginAttempt, check: () => Promise<boolean>): Promise<boolean> {
    try {
      return await check();
    } catch (error) {
      attempt.failed();
      throw error;
    }
  }

  private readonly changeFailureCounts = new Map<string, { count: number }>();

  private changeFailures(tokenHash: string): { count: number } {
    let entry = this.changeFailureCounts.get(tokenHash);
    if (!entry) {
      entry = { count: 0 };
      this.changeFailureCounts.set(tokenHash, entry);
    }
    return entry;
  }

  private refuseExisting(username: string, state: Readonly<AgentState> = this.deps.store.read()) {
    if (ownEntry(state.users, username)) {
      throw new AgentError(ErrorCode.USER_EXISTS, `The user "${username}" already exists.`);
    }
  }
}

async function checkStoredPassword(password: string, stored: string | undefined) {
  if (stored === undefined) {
    await burnPasswordCheck(password);
    return false;
  }
  return verifyPassword(password, stored);
}

function pruneExpired(state: AgentState, now: Date): void {
  for (const [hash, session] of Object.entries(state.sessions)) {
    if (Date.parse(session.expiresAt) <= now.getTime()) delete state.sessions[hash];
  }
}
