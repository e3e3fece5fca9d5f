import type { Instance, Role } from '@protocol/types';

/** Bumped when the on-disk shape changes; `migrate` in store.ts lifts older files. */
export const SCHEMA_VERSION = 1;

export interface UserRecord {
  username: string;
  role: Role;
  /** `scrypt$N$r$p$salt$hash` (base64): see auth/password.ts. */
  passwordHash: string;
  disabled: boolean;
  grants: string[];
  createdAt: string;
  updatedAt: string;
}

/** Keyed by the SHA-256 of the token: a stolen state file does not yield a usable session. */
export interface SessionRecord {
  username: string;
  createdAt: string;
  expiresAt: string;
}

export interface AgentState {
  schemaVersion: number;
  users: Record<string, UserRecord>;
  sessions: Record<string, SessionRecord>;
  instances: Record<string, Instance>;
}

export function emptyState(): AgentState {
  return withSafeMaps({ schemaVersion: SCHEMA_VERSION, users: {}, sessions: {}, instances: {} });
}

/**
 * The three maps are indexed with names callers choose, so none may inherit from
 * `Object.prototype`: with a plain object, `users.constructor` is the global `Object` function
 * and `users.__proto__` its prototype. Rebuilt without a prototype after every JSON.parse and
 * structuredClone (both hand back plain objects); a key named `__proto__` stays ordinary data.
 */
export function withSafeMaps(state: AgentState): AgentState {
  return {
    ...state,
    users: nullPrototypeCopy(state.users),
    sessions: nullPrototypeCopy(state.sessions),
    instances: nullPrototypeCopy(state.instances),
  };
}

export function nullPrototypeCopy<T>(source: Record<string, T>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const key of Object.keys(source)) out[key] = source[key]!;
  return out;
}

/** An own entry of a state map, never an inherited property. */
export function ownEntry<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}
