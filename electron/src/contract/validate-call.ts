import { DESKTOP_METHODS, DesktopApiArgs, type DesktopMethod } from './api';
import type { ApiError } from './errors';

export type ValidatedCall =
  { ok: true; method: DesktopMethod; args: unknown[] } | { ok: false; error: ApiError };

const METHODS: ReadonlySet<string> = new Set(DESKTOP_METHODS);

/**
 * Checks one incoming call against the contract: a known method, a list of arguments, and the
 * method's schema (which accepts an omitted optional tail itself). Electron's IPC wrapper and the
 * browser harness both answer with exactly this, so a bad call fails the same way in both.
 */
export function validateCall(method: string, rawArgs: unknown): ValidatedCall {
  if (!METHODS.has(method)) {
    return {
      ok: false,
      error: { code: 'METHOD_NOT_FOUND', message: `There is no method ${method}.` },
    };
  }
  const name = method as DesktopMethod;
  if (!Array.isArray(rawArgs)) {
    return {
      ok: false,
      error: { code: 'INVALID_PARAMS', message: `${name}: arguments must be a list.` },
    };
  }
  const parsed = DesktopApiArgs[name].safeParse(rawArgs);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.join('.'),
      message: issue.message,
    }));
    const first = issues[0];
    const where = first && first.path !== '' ? ` (argument ${first.path})` : '';
    return {
      ok: false,
      error: {
        code: 'INVALID_PARAMS',
        message: `${name}: invalid arguments${where}: ${first?.message ?? 'rejected'}.`,
        data: { issues },
      },
    };
  }
  return { ok: true, method: name, args: parsed.data as unknown[] };
}
