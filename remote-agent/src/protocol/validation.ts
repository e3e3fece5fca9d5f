/** Validation rules shared by the agent (authoritative) and the desktop (as-you-type feedback). */

export const INSTANCE_NAME_MAX = 40;
const INSTANCE_NAME_RE = /^[A-Za-z0-9 _-]+$/;

/** Returns why a project name is refused, or null when it is acceptable. */
export function instanceNameProblem(name: string): string | null {
  if (name.length === 0) return 'The name is empty.';
  if (name.length > INSTANCE_NAME_MAX)
    return `The name is ${name.length} characters long; the limit is ${INSTANCE_NAME_MAX}.`;
  if (name.trim() !== name) return 'The name may not start or end with a space.';
  if (!INSTANCE_NAME_RE.test(name)) return 'Use only letters, digits, spaces, "-" and "_".';
  return null;
}

export const USERNAME_RE = /^[a-z][a-z0-9_.-]{0,31}$/;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1024;

/**
 * A staff member's name is also a Linux account name: the agent username rule without ".",
 * one shorter, so useradd on every distribution accepts it as it is.
 */
export const ACCOUNT_NAME_RE = /^[a-z][a-z0-9_-]{0,30}$/;
/** An RSA-8192 key line is about 1,400 characters; anything far longer is not a key. */
export const PUBLIC_KEY_MAX = 4096;
