import { AgentError } from '../agent-error';
import { alertWireHandlers } from '../alerts/wire';
import { hashToken } from '../auth/tokens';
import { canDelete, canSee, requireAdmin } from '../instances/permissions';
import { countsAgainstLimit } from '../instances/service';
import { ErrorCode } from '@protocol/error-codes';
import { LOG_STREAM_WINDOW_BYTES, PROTOCOL_VERSION } from '@protocol/rpc';
import type { AgentEvent, AuditEntry, LogLine, LogSource, RecoveryProgress } from '@protocol/types';
import { recordBatchParts, type RecordRun } from '../logs/json-file-records';
import { bindConnection, checkBoundIdentity } from '../staff/connection-identity';
import { summarizeResources } from '../system/resources';
import { callerOf, type AgentServices, type Handlers } from './context';
import { pipeEvents } from './events-stream';
import { LEGACY_RELEASE_ID } from '../stack/releases';
import { releaseSummary } from '../upgrades/plan';
import { createFleetHandlers } from '../bulk/handlers';
import { backupHandlers } from '../backups/handlers';
import { dumpImportHandlers } from '../backups/import-handlers';
import { USAGE_SAMPLE_INTERVAL_MS } from '../usage/sampler';

/** Log streams one connection may hold open at once (each holds one Docker stream per service). */
export const MAX_LOG_STREAMS_PER_SESSION = 8;

function staffOf(s: AgentServices): NonNullable<AgentServices['staff']> {
  if (!s.staff) {
    throw new AgentError(ErrorCode.STAFF_UNSUPPORTED, 'This agent manages no staff accounts.');
  }
  return s.staff;
}

function settingsOf(s: AgentServices): NonNullable<AgentServices['settings']> {
  if (!s.settings) throw new AgentError(ErrorCode.INTERNAL, 'This agent has no settings service.');
  return s.settings;
}

function upgradesOf(s: AgentServices): NonNullable<AgentServices['upgrades']> {
  if (!s.upgrades) {
    throw new AgentError(ErrorCode.INTERNAL, 'This agent was started without stack releases.');
  }
  return s.upgrades;
}

function postgresOf(s: AgentServices) {
  const postgres = upgradesOf(s).postgres;
  if (!postgres) {
    throw new AgentError(ErrorCode.INTERNAL, 'This agent cannot upgrade Postgres (no backups).');
  }
  return postgres;
}

function capacityOf(s: AgentServices): NonNullable<AgentServices['capacity']> {
  if (!s.capacity)
    throw new AgentError(ErrorCode.INTERNAL, 'This agent keeps no capacity accounting.');
  return s.capacity;
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
        capabilities: ['dry-run', 'events', 'audit', 'stream-ack', 'docker'],
      };
    },
    'session.bind': ({ username }, { session }) => {
      bindConnection(session, username);
      return { ok: true };
    },
    'auth.login': async ({ username, password }, { session, call }) => {
      checkBoundIdentity(session.boundTo, username);
      const info = await s.auth.login(username, password, call.connectionId);
      session.tokenHash = hashToken(info.token);
      return info;
    },
    'auth.resume': ({ token }, { session }) => {
      const info = s.auth.resume(token);
      checkBoundIdentity(session.boundTo, info.user.username);
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
      // A staff member is a Linux account and an agent user together; deleting only the user
      // would leave a login whose forced dial leads nowhere, and the name free for someone else.
      if (s.staff?.list().some((m) => m.username === username)) {
        throw new AgentError(
          ErrorCode.INVALID_STATE,
          `${username} is a staff member with a Linux account: remove them with staff.remove, ` +
            'which deletes the account and the user together.',
          { staff: true },
        );
      }
      // Ownership is the username: a later account of that name would inherit these projects
      // (and their credentials). They are deleted first, by a person who means it.
      const owned = s.registry.list().filter((i) => i.owner === username);
      if (owned.length > 0) {
        throw new AgentError(
          ErrorCode.INVALID_STATE,
          `${username} owns ${owned.length} project(s) (${owned.map((i) => i.name).join(', ')}). ` +
            'Delete those projects first, then delete the user.',
          { projects: owned.map((i) => i.id) },
        );
      }
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
    'instances.cancel': async ({ id }, ctx) => ({
      instance: await s.instances.cancel(callerOf(ctx), id),
    }),
    'instances.credentials': async ({ id }, ctx) => ({
      credentials: await s.instances.credentials(callerOf(ctx), id),
    }),
    'instances.progress': ({ id }, ctx) => s.instances.progress(callerOf(ctx), id),
    'instances.diagnose': async ({ id }, ctx) => {
      const caller = callerOf(ctx);
      s.instances.get(caller, id);
      // Host-wide checks (other tenants' leftovers, host capacity) are for admins only.
      return { report: await s.health.diagnose(id, { includeHost: caller.role === 'admin' }) };
    },
    'instances.repair': async ({ id, dryRun }, ctx) => {
      const caller = callerOf(ctx);
      s.instances.get(caller, id);
      return s.health.repair(id, {
        dryRun: dryRun ?? false,
        actor: caller.username,
        automatic: false,
        includeOrphans: caller.role === 'admin',
      });
    },
    'instances.settings.get': async ({ id }, ctx) => ({
      settings: await settingsOf(s).get(callerOf(ctx), id),
    }),
    'instances.settings.set': ({ id, changes, dryRun }, ctx) =>
      settingsOf(s).set(callerOf(ctx), id, changes, dryRun ?? false),
    'instances.settings.rotate': ({ id, secret, dryRun }, ctx) =>
      settingsOf(s).rotate(callerOf(ctx), id, secret, dryRun ?? false),
    'instances.settings.testEmail': ({ id, to }, ctx) =>
      settingsOf(s).testEmail(callerOf(ctx), id, to),

    'stack.releases': () => {
      const { catalog } = upgradesOf(s);
      return {
        releases: catalog.list().map(releaseSummary),
        newest: catalog.newest().id,
        legacy: LEGACY_RELEASE_ID,
      };
    },
    'instances.upgradePlan': async ({ id, release }, ctx) => {
      s.instances.get(callerOf(ctx), id);
      return { plan: await upgradesOf(s).upgrader.plan(id, release) };
    },
    'instances.upgrade': async ({ id, release }, ctx) => {
      const caller = callerOf(ctx);
      s.instances.get(caller, id);
      return upgradesOf(s).upgrader.upgrade(id, release, caller.username);
    },
    'instances.upgradePostgresPlan': async ({ id, release }, ctx) => {
      s.instances.get(callerOf(ctx), id);
      return { plan: await postgresOf(s).plan(id, release) };
    },
    'instances.upgradePostgres': async ({ id, release, confirm }, ctx) => {
      const caller = callerOf(ctx);
      const instance = s.instances.get(caller, id);
      // It replaces the database: as deleting, the owner or an admin, not a grantee.
      if (!canDelete(caller, instance)) {
        throw new AgentError(
          ErrorCode.FORBIDDEN,
          'Only the owner of this project or an admin may upgrade its Postgres.',
        );
      }
      return postgresOf(s).upgrade(id, { release, confirm }, caller.username);
    },

    'logs.follow': ({ id, ...options }, ctx) => {
      const caller = callerOf(ctx);
      s.instances.get(caller, id);
      const { session } = ctx;
      if (session.logStreams >= MAX_LOG_STREAMS_PER_SESSION) {
        throw new AgentError(
          ErrorCode.LIMIT_REACHED,
          `This connection already follows ${session.logStreams} logs, the most it may. ` +
            'Close a log view first.',
          { kind: 'logStreams', count: session.logStreams, max: MAX_LOG_STREAMS_PER_SESSION },
        );
      }
      session.logStreams += 1;
      let open = true;
      const closed = () => {
        if (open) session.logStreams -= 1;
        open = false;
      };
      const stream = ctx.call.openStream({ windowBytes: LOG_STREAM_WINDOW_BYTES });
      const records = options.format === 'records';
      const handle = s.instances.followLogs(caller, id, options, {
        write: (lines: LogLine[], source?: LogSource) =>
          stream.send(records ? { source: source ?? 'engine', lines } : lines),
        ...(records && {
          writeRecords: (service: string, run: RecordRun) =>
            stream.sendEncoded(recordBatchParts(service, run)),
        }),
        onDrain: (resume) => stream.onDrain(resume),
        end: (error) => {
          closed();
          stream.end(error);
        },
      });
      stream.onCancel(() => {
        closed();
        handle.cancel();
      });
      return { stream: stream.id };
    },
    'stats.instance': async ({ id }, ctx) => ({
      services: await s.instances.stats(callerOf(ctx), id),
    }),
    'instances.reshape': (params, ctx) => capacityOf(s).reshape(callerOf(ctx), params),
    'system.capacity': (_p, ctx) => capacityOf(s).summary(callerOf(ctx)),
    'usage.history': async ({ id, since }, ctx) => {
      s.instances.get(callerOf(ctx), id); // NOT_FOUND for a project the caller does not see
      return {
        samples: s.usage?.history(id, since) ?? [],
        intervalMs: USAGE_SAMPLE_INTERVAL_MS,
      };
    },
    'system.resources': async (_p, ctx) => {
      const caller = callerOf(ctx);
      const counted = s.registry.list().filter(countsAgainstLimit);
      const summary = summarizeResources(await s.readHost(), {
        instances: counted.length,
        maxInstances: s.config.maxInstances,
        thresholds: s.config.resources,
        agentVersion: s.agentVersion,
        ...(await readVersions(s)),
      });
      if (caller.role === 'admin') return summary;
      // How many projects other tenants run is not a user's business: they see their own
      // (what fits more still follows the server's limit, which decides their next creation).
      const visible = new Set(s.instances.list(caller).map((i) => i.id));
      return { ...summary, instances: counted.filter((i) => visible.has(i.id)).length };
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
        // Sent before the subscription's answer: the client queues it for the stream, so a
        // desktop connecting mid-recovery knows "12 of 80" as soon as it is connected.
        replay: recoveryReplay(s.recoveryNow?.()),
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
    ...alertWireHandlers(s.alerts),
    ...createFleetHandlers(s),
    'domains.list': async ({ id }, ctx) => ({
      domains: await domainsOf(s).list(callerOf(ctx), id),
    }),
    'domains.add': async ({ id, ...request }, ctx) => ({
      domain: await domainsOf(s).add(callerOf(ctx), id, request),
    }),
    'domains.update': async ({ id, hostname, ...change }, ctx) => ({
      domain: await domainsOf(s).update(callerOf(ctx), id, hostname, change),
    }),
    'domains.server': async (_params, ctx) => ({
      domains: await domainsOf(s).listServer(callerOf(ctx)),
    }),
    'domains.database.get': async ({ id }, ctx) => ({
      access: await databaseAccessOf(s).get(callerOf(ctx), id),
    }),
    'domains.database.set': async ({ id, enabled, hostname }, ctx) => ({
      access: await databaseAccessOf(s).set(callerOf(ctx), id, {
        enabled,
        ...(hostname === undefined ? {} : { hostname }),
      }),
    }),
    'domains.remove': async ({ id, hostname }, ctx) => {
      await domainsOf(s).remove(callerOf(ctx), id, hostname);
      return { ok: true };
    },
    ...backupHandlers(s),
    ...dumpImportHandlers(s),
  };
}

/** Docker's and Compose's versions for the server page; absent ones are simply not sent. */
async function readVersions(
  s: AgentServices,
): Promise<{ dockerVersion?: string; composeVersion?: string }> {
  type Versions = { docker?: string; compose?: string };
  const none: Versions = {};
  const v = await (s.readVersions?.() ?? Promise.resolve(none)).catch(() => none);
  return {
    ...(v.docker ? { dockerVersion: v.docker } : {}),
    ...(v.compose ? { composeVersion: v.compose } : {}),
  };
}

function databaseAccessOf(s: AgentServices): NonNullable<AgentServices['databaseAccess']> {
  if (!s.databaseAccess) {
    throw new AgentError(ErrorCode.METHOD_NOT_FOUND, 'This agent manages no custom domains.');
  }
  return s.databaseAccess;
}

function domainsOf(s: AgentServices): NonNullable<AgentServices['domains']> {
  if (!s.domains) {
    throw new AgentError(ErrorCode.METHOD_NOT_FOUND, 'This agent manages no custom domains.');
  }
  return s.domains;
}

function recoveryReplay(progress: RecoveryProgress | undefined): AgentEvent[] {
  return progress ? [{ type: 'agent.recovery', event: progress }] : [];
}
