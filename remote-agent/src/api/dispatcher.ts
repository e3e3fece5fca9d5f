import { AgentError, asCodedError } from '../errors';
import type { AuthService } from '../auth/service';
import type { Logger } from '../log/logger';
import { ErrorCode } from '../protocol/errors';
import { MethodParams, PUBLIC_METHODS, type MethodName } from '../protocol/methods';
import type { Dispatch } from '../rpc/connection';
import type { AuditLog } from '../state/audit-log';
import { AUDITED } from './audit-policy';
import type { ClientSession, Handler, Handlers } from './context';

const BEFORE_HELLO: readonly string[] = ['session.hello', 'system.ping'];

/**
 * The boundary every call crosses: known method, hello done, params valid (zod, strict),
 * session valid (re-read on each call, so a revoked session stops at once), then the handler,
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
  return async (method, rawParams, call) => {
    if (!Object.hasOwn(MethodParams, method)) {
      throw new AgentError(ErrorCode.METHOD_NOT_FOUND, `There is no method "${method}".`);
    }
    const name = method as MethodName;
    if (!session.hello && !BEFORE_HELLO.includes(name)) {
      throw new AgentError(ErrorCode.HELLO_REQUIRED, 'Send session.hello first.');
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
    const isPublic = PUBLIC_METHODS.includes(name);
    let caller;
    if (!isPublic) {
      if (!session.tokenHash) throw new AgentError(ErrorCode.UNAUTHENTICATED, 'Log in first.');
      caller = auth.authenticate(session.tokenHash);
    }
    const handler = handlers[name] as Handler<MethodName>;
    const rule = AUDITED[name];
    if (!rule) return handler(parsed.data as never, { session, caller, call });

    const params = parsed.data as Record<string, unknown>;
    const actor = caller?.username ?? (typeof params.username === 'string' ? params.username : '?');
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
      await options.audit
        .append({
          actor,
          action: name,
          ...optional('target', rule.target(params, undefined)),
          result: 'error',
          code,
          ...optional('detail', rule.detail?.(params)),
        })
        .catch((auditError: unknown) =>
          options.logger.error('audit append failed', { method: name, error: String(auditError) }),
        );
      throw error;
    }
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
