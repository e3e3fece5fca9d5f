import { AgentError, asCodedError } from '../agent-error';
import type { AuthService, Caller } from '../auth/service';
import { refuseSelfLockout } from '../auth/users';
import type { Logger } from '../log/logger';
import { ErrorCode } from '@protocol/error-codes';
import {
  BEFORE_HELLO_METHODS,
  MethodParams,
  PUBLIC_METHODS,
  type MethodName,
} from '@protocol/methods';
import type { Dispatch } from '../rpc/connection';
import type { AuditLog } from '../state/audit-log';
import { AUDITED } from './audit-policy';
import type { ClientSession, Handler, Handlers } from './context';

/**
 * The boundary every call crosses: known method, hello done, session valid (re-read on each
 * call, so a revoked session stops at once), params valid (zod, strict), then the handler,
 * then the audit entry for calls that change something, success or failure.
 */
export function createDispatcher(options: {
  handlers: Handlers;
  auth: AuthService;
  audit: AuditLog;
  logger: Logger;
  session: ClientSession;
}): Dispatch {
  const { handlers, auth, session } = options;
  const dispatch: Dispatch = async (method, rawParams, call) => {
    if (!Object.hasOwn(MethodParams, method)) {
      // Quoted short: a method name is the caller's text, and a reply must not echo a megabyte.
      const shown = method.length > 64 ? `${method.slice(0, 64)}…` : method;
      throw new AgentError(ErrorCode.METHOD_NOT_FOUND, `There is no method "${shown}".`);
    }
    const name = method as MethodName;
    if (!session.hello && !(BEFORE_HELLO_METHODS as readonly string[]).includes(name)) {
      throw new AgentError(ErrorCode.HELLO_REQUIRED, 'Send session.hello first.');
    }
    // Identity before params: a caller who has not logged in learns nothing of the schemas.
    let caller: Caller | undefined;
    if (!PUBLIC_METHODS.includes(name)) {
      if (!session.tokenHash) throw new AgentError(ErrorCode.UNAUTHENTICATED, 'Log in first.');
      caller = auth.authenticate(session.tokenHash);
    }
    const parsed = MethodParams[name].safeParse(rawParams ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `"${issue.path.join('.')}": ` : '';
      throw new AgentError(
        ErrorCode.INVALID_PARAMS,
        `Invalid params for ${name}: ${where}${issue?.message ?? 'invalid'}.`,
        { path: issue?.path.join('.') ?? '' },
      );
    }
    const params = parsed.data as Record<string, unknown>;
    if (caller && name === 'users.update') refuseSelfLockout(caller, params);
    const handler = handlers[name] as Handler<MethodName>;
    const rule = AUDITED[name];
    if (!rule) return handler(parsed.data as never, { session, caller, call });

    // Only a login has no caller yet; its actor is the name it tried, never a param otherwise.
    const actor = caller?.username ?? (name === 'auth.login' ? String(params.username) : '-');
    try {
      const result = await handler(parsed.data as never, { session, caller, call });
      await options.audit.append({
        actor,
        action: name,
        ...optional('target', rule.target(params, result)),
        result: 'ok',
        ...optional('detail', rule.detail?.(params)),
      });
      return result;
    } catch (error) {
      const code = asCodedError(error)?.code ?? ErrorCode.INTERNAL;
      const entry = {
        actor,
        action: name,
        ...optional('target', rule.target(params, undefined)),
        result: 'error' as const,
        code,
        ...optional('detail', rule.detail?.(params)),
      };
      // Anyone can make refused attempts at will: summed per key, not one fsynced line each.
      if (rule.countRefusals) options.audit.count(entry);
      else {
        await options.audit.append(entry).catch((auditError: unknown) =>
          options.logger.error('audit append failed', {
            method: name,
            error: String(auditError),
          }),
        );
      }
      throw error;
    }
  };
  // The connection holds anonymous peers to a login deadline; it learns the state from here.
  return async (method, rawParams, call) => {
    try {
      return await dispatch(method, rawParams, call);
    } finally {
      call.setAuthenticated(session.tokenHash !== undefined && isValid(auth, session.tokenHash));
    }
  };
}

function isValid(auth: AuthService, tokenHash: string): boolean {
  try {
    auth.authenticate(tokenHash);
    return true;
  } catch {
    return false;
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
