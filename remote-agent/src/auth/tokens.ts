import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits; the agent keeps only the hash, so its state file grants no session. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export const SESSION_TTL_MS = 24 * 60 * 60 * 1000;
