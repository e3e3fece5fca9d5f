/**
 * Delays between reconnect attempts: exponential from `baseMs`, capped at `maxMs`, with up to
 * `jitter` (a fraction) added so many desktops reconnecting after a server restart spread out.
 */
export function backoffDelay(
  attempt: number,
  options: { baseMs?: number; maxMs?: number; jitter?: number; random?: () => number } = {},
): number {
  const base = options.baseMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const jitter = options.jitter ?? 0.2;
  const random = options.random ?? Math.random;
  const raw = Math.min(max, base * 2 ** Math.max(0, attempt));
  return Math.round(raw * (1 + jitter * random()));
}

/** Errors after which retrying cannot help without the person changing something. */
const PERMANENT = new Set([
  'SSH_AUTH_FAILED',
  'HOST_KEY_UNKNOWN',
  'HOST_KEY_CHANGED',
  'HOST_KEY_MISMATCH',
  'KEY_PASSPHRASE_WRONG',
  'KEY_FILE_UNREADABLE',
  'SECRET_MISSING',
  'KEYCHAIN_UNAVAILABLE',
  'SERVER_UNSUITABLE',
  'INVALID_CREDENTIALS',
  'AGENT_INCOMPATIBLE',
  'PROTOCOL_MISMATCH',
]);

export function isRetryable(code: string): boolean {
  return !PERMANENT.has(code);
}
