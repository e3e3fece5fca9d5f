import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { AgentServices, Handlers } from '../api/context';
import { callerOf } from '../api/context';
import { canDelete, requireAdmin } from '../instances/permissions';
import type { BackupService } from './service';

type BackupMethods =
  | 'backups.destinations.list'
  | 'backups.destinations.add'
  | 'backups.destinations.remove'
  | 'backups.create'
  | 'backups.list'
  | 'backups.restore'
  | 'backups.verify'
  | 'backups.job'
  | 'backups.key';

function backupsOf(s: AgentServices): BackupService {
  if (!s.backups) {
    throw new AgentError(ErrorCode.INVALID_STATE, 'This agent does not run backups.');
  }
  return s.backups;
}

/**
 * Who may do what: anyone who sees a project may back it up, list and verify its backups;
 * a restore replaces its data, so it takes what a delete takes (owner or admin); destinations
 * and the repository password are the server's, so admins only.
 */
export function backupHandlers(s: AgentServices): Pick<Handlers, BackupMethods> {
  return {
    'backups.destinations.list': async () => ({
      destinations: await backupsOf(s).listDestinations(),
    }),
    'backups.destinations.add': async ({ destination }, ctx) => {
      requireAdmin(callerOf(ctx));
      return { destination: await backupsOf(s).addDestination(destination) };
    },
    'backups.destinations.remove': async ({ id }, ctx) => {
      requireAdmin(callerOf(ctx));
      await backupsOf(s).destinations.remove(id);
      return { ok: true };
    },
    'backups.create': ({ id, destinations }, ctx) => {
      s.instances.get(callerOf(ctx), id);
      const job = backupsOf(s).backup(id, { kind: 'manual', destinations });
      return { jobId: job.jobId, queuePosition: job.queuePosition };
    },
    'backups.list': async ({ id }, ctx) => {
      s.instances.get(callerOf(ctx), id);
      return { backups: await backupsOf(s).list(id) };
    },
    'backups.restore': ({ id, backupId, confirm, destination }, ctx) => {
      const caller = callerOf(ctx);
      const instance = s.instances.get(caller, id);
      if (!canDelete(caller, instance)) {
        throw new AgentError(
          ErrorCode.FORBIDDEN,
          'Only the owner of this project or an admin may restore over it.',
        );
      }
      const job = backupsOf(s).restore(id, backupId, { confirm, destination });
      return { jobId: job.jobId, queuePosition: job.queuePosition };
    },
    'backups.verify': ({ id, backupId, destination }, ctx) => {
      s.instances.get(callerOf(ctx), id);
      const job = backupsOf(s).verify(id, backupId, destination);
      return { jobId: job.jobId, queuePosition: job.queuePosition };
    },
    'backups.job': ({ jobId }, ctx) => {
      const record = backupsOf(s).job(jobId);
      if (!record) throw new AgentError(ErrorCode.NOT_FOUND, `There is no backup job "${jobId}".`);
      // A job of a project the caller cannot see is reported as absent too.
      try {
        s.instances.get(callerOf(ctx), record.instanceId);
      } catch {
        throw new AgentError(ErrorCode.NOT_FOUND, `There is no backup job "${jobId}".`);
      }
      return {
        instanceId: record.instanceId,
        events: record.events,
        finished: record.finished,
        ...(record.backupId ? { backupId: record.backupId } : {}),
        ...(record.error ? { error: record.error } : {}),
      };
    },
    'backups.key': async (_p, ctx) => {
      requireAdmin(callerOf(ctx));
      return backupsOf(s).key();
    },
  };
}
