import type { Instance, Role } from '../protocol/types';

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
  return { schemaVersion: SCHEMA_VERSION, users: {}, sessions: {}, instances: {} };
}
