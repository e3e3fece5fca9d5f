import { AgentError } from '../errors';
import type { Caller } from '../auth/service';
import { hashToken } from '../auth/tokens';
import { canSee, requireAdmin } from '../instances/permissions';
import { ErrorCode } from '../protocol/errors';
import { PROTOCOL_VERSION } from '../protocol/rpc';
import type { AuditEntry, LogLine } from '../protocol/types';
import { summarizeResources } from '../system/resources';
import type { AgentServices, HandlerContext, Handlers } from './context';
import { pipeEvents } from './events-stream';

function callerOf(ctx: HandlerContext): Caller {
  if (!ctx.caller) throw new AgentError(ErrorCode.UNAUTHENTICATED, 'Log in first.');
  return ctx.caller;
}

const notWired = (what: string) => () => {
  // Diagnostics and repair live above the Docker driver, which this build does not wire yet.
  throw new AgentError(
    ErrorCode.INTERNAL,
    `${what} needs the Docker driver, which is not wired into this agent build yet.`,
  );
};

function staffOf(s: AgentServices): NonNullable<AgentServices['staff']> {
  if (!s.staff) {
    throw new AgentError(ErrorCode.STAFF_UNSUPPORTED, 'This agent manages no staff accounts.');
  }
  return s.staff;
}

/** One function per wire method; the dispatcher has already validated params and the session. */
export function createHandlers(s: AgentServices): Handlers {
  return {
    'session.hello': ({ protocol, client }, { session }) => {
      if (protocol !== PROTOCOL_VERSION) {
        throw new AgentError(
          ErrorCode.PROTOCOL_MISMATCH,
          protocol > PROTOCOL_VERSION
            ? `This agent speaks protocol ${PROTOCOL_VERSION}, older than the app's ${protocol}: ` +
                'let the app update the agent.'
            : `This agent speaks protocol ${PROTOCOL_VERSION}, newer than the app's ${protocol}: ` +
                'update the app.',
          { agentProtocol: PROTOCOL_VERSION, clientProtocol: protocol },
        );
      }
      session.hello = true;
      session.client = client;
      return {
        agentVersion: s.agentVersion,
        protocol: PROTOCOL_VERSION,
        capabilities: [
          'dry-run',
          'events',
          'audit',
          'stream-ack',
          ...(s.lifecycle ? ['docker'] : []),
        ],
      };
    },
    'auth.login': async ({ username, password }, { session }) => {
      const info = await s.auth.login(username, password);
      session.tokenHash = hashToken(info.token);
      return info;
    },
    'auth.resume': ({ token }, { session }) => {
      const info = s.auth.resume(token);
      session.tokenHash = hashToken(token);
      return info;
    },
    'auth.logout': async (_p, ctx) => {
      await s.auth.logout(callerOf(ctx).tokenHash);
      ctx.session.tokenHash = undefined;
      return { ok: true };
    },
    'auth.changePassword': async ({ currentPassword, newPassword }, ctx) => {
      await s.auth.changePassword(callerOf(ctx), currentPassword, newPassword);
      return { ok: true };
    },
    'auth.whoami': (_p, ctx) => {
      const user = s.auth.listUsers().find((u) => u.username === callerOf(ctx).username);
      if (!user) throw new AgentError(ErrorCode.UNAUTHENTICATED, 'Log in again.');
      return { user };
    },

    'users.list': (_p, ctx) => {
      requireAdmin(callerOf(ctx));
      return { users: s.auth.listUsers() };
    },
    'users.create': async ({ username, password, role }, ctx) => {
      requireAdmin(callerOf(ctx));
      return { user: await s.auth.createUser(username, password, role) };
    },
    'users.update': async ({ username, ...patch }, ctx) => {
      requireAdmin(callerOf(ctx));
      return { user: await s.auth.updateUser(username, patch) };
    },
    'users.delete': async ({ username }, ctx) => {
      requireAdmin(callerOf(ctx));
      await s.auth.deleteUser(username);
      return { ok: true };
    },
    'users.grant': async ({ username, instanceId }, ctx) => {
      requireAdmin(callerOf(ctx));
      return { user: await s.auth.setGrant(username, instanceId, true) };
    },
    'users.revoke': async ({ username, instanceId }, ctx) => {
      requireAdmin(callerOf(ctx));
      return { user: await s.auth.setGrant(username, instanceId, false) };
    },

    'staff.list': (_p, ctx) => {
      requireAdmin(callerOf(ctx));
      return { staff: staffOf(s).list() };
    },
    'staff.add': (params, ctx) => {
      requireAdmin(callerOf(ctx));
      return staffOf(s).add(params);
    },
    'staff.remove': async ({ username }, ctx) => {
      requireAdmin(callerOf(ctx));
      await staffOf(s).remove(username);
      return { ok: true };
    },

    'instances.list': (_p, ctx) => ({ instances: s.instances.list(callerOf(ctx)) }),
    'instances.get': ({ id }, ctx) => ({ instance: s.instances.get(callerOf(ctx), id) }),
    'instances.create': (params, ctx) => s.instances.create(callerOf(ctx), params),
    'instances.start': async ({ id }, ctx) => ({
      instance: await s.instances.start(callerOf(ctx), id),
    }),
    'instances.stop': async ({ id }, ctx) => ({
      instance: await s.instances.stop(callerOf(ctx), id),
    }),
    'instances.restart': async ({ id }, ctx) => ({
      instance: await s.instances.restart(callerOf(ctx), id),
    }),
    'instances.delete': async ({ id }, ctx) => {
      await s.instances.delete(callerOf(ctx), id);
      return { ok: true };
    },
    'instances.credentials': async ({ id }, ctx) => ({
      credentials: await s.instances.credentials(callerOf(ctx), id),
    }),
    'instances.progress': ({ id }, ctx) => s.instances.progress(callerOf(ctx), id),
    'instances.diagnose': notWired('Diagnosis'),
    'instances.repair': notWired('Repair'),

    'logs.follow': ({ id, ...options }, ctx) => {
      const caller = callerOf(ctx);
      s.instances.get(caller, id);
      s.instances.ensureDocker();
      const stream = ctx.call.openStream();
      const handle = s.instances.followLogs(caller, id, options, {
        write: (lines: LogLine[]) => stream.send(lines),
        onDrain: (resume) => stream.onDrain(resume),
        end: (error) => stream.end(error),
      });
      stream.onCancel(() => handle.cancel());
      return { stream: stream.id };
    },
    'stats.instance': async ({ id }, ctx) => ({
      services: await s.instances.stats(callerOf(ctx), id),
    }),
    'system.resources': async (_p, ctx) => {
      callerOf(ctx);
      const counted = s.registry
        .list()
        .filter((i) => i.status !== 'failed' && i.status !== 'created');
      return summarizeResources(await s.readHost(), {
        instances: counted.length,
        maxInstances: s.config.maxInstances,
        thresholds: s.config.resources,
        agentVersion: s.agentVersion,
      });
    },
    'events.subscribe': (_p, ctx) => {
      const caller = callerOf(ctx);
      const stream = ctx.call.openStream();
      pipeEvents({
        stream,
        bus: s.bus,
        auth: s.auth,
        tokenHash: caller.tokenHash,
        registry: s.registry,
      });
      return { stream: stream.id };
    },
    'audit.list': async ({ limit, instanceId }, ctx) => {
      const caller = callerOf(ctx);
      const mayRead = (e: AuditEntry): boolean => {
        if (caller.role === 'admin' || e.actor === caller.username) return true;
        const instance = e.target ? s.registry.get(e.target) : undefined;
        return instance !== undefined && canSee(caller, instance);
      };
      const entries = await s.audit.list(
        limit ?? 100,
        (e) => (instanceId === undefined || e.target === instanceId) && mayRead(e),
      );
      return { entries };
    },
    'stream.cancel': ({ stream }) => {
      // The connection answers stream.cancel itself; reaching here means no such stream.
      throw new AgentError(ErrorCode.STREAM_NOT_FOUND, `There is no open stream "${stream}".`);
    },
    'system.ping': () => ({ now: s.now().toISOString() }),
  };
}
