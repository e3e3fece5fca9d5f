import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { AgentServices, Handlers } from '../api/context';
import { callerOf } from '../api/context';
import { canDelete, requireAdmin } from '../instances/permissions';
import type { EventBus } from '../events/bus';
import { CodedError, asCodedError } from '@common/coded-error';
import type { BackupService } from './service';
import {
  DOWNLOAD_STREAM_WINDOW_BYTES,
  type BackupDownloadItem,
  type BackupDownloadPart,
} from '@protocol/backup-transfer';
import type { OutboundStream } from '../rpc/streams';

type BackupMethods =
  | 'backups.destinations.list'
  | 'backups.destinations.add'
  | 'backups.destinations.remove'
  | 'backups.create'
  | 'backups.list'
  | 'backups.restore'
  | 'backups.verify'
  | 'backups.clone'
  | 'backups.schedule'
  | 'backups.job'
  | 'backups.key'
  | 'backups.import'
  | 'backups.download'
  | 'backups.summary';

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
    'backups.clone': async ({ id, backupId, name, destination }, ctx) => {
      const caller = callerOf(ctx);
      // The source may be gone (a deleted project's backups stay): then only an admin clones it.
      if (s.registry.get(id)) s.instances.get(caller, id);
      else if (caller.role !== 'admin') {
        throw new AgentError(ErrorCode.NOT_FOUND, `There is no instance "${id}".`, { id });
      }
      const created = await s.instances.create(caller, { name });
      const ready = untilRunning(s.bus, created.instance.id);
      const job = backupsOf(s).clone(id, backupId, created.instance.id, { destination, ready });
      return { jobId: job.jobId, queuePosition: job.queuePosition, instance: created.instance };
    },
    'backups.schedule': async ({ id, schedule }, ctx) => {
      const caller = callerOf(ctx);
      const instance = s.instances.get(caller, id);
      const service = backupsOf(s);
      if (schedule === undefined) return { schedule: (await service.schedules.get(id)) ?? null };
      // Retention deletes backups: the same rule as a restore.
      if (!canDelete(caller, instance)) {
        throw new AgentError(
          ErrorCode.FORBIDDEN,
          "Only the owner of this project or an admin may change its backups' schedule.",
        );
      }
      return { schedule: (await service.setSchedule(id, schedule ?? undefined)) ?? null };
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
    // A download: anyone who sees the project may take its data (as a backup); the roles'
    // password hashes only its owner or an admin.
    'backups.download': async ({ id, backupId, destination, roles }, ctx) => {
      const caller = callerOf(ctx);
      const instance = s.instances.get(caller, id);
      if (roles && !canDelete(caller, instance)) {
        throw new AgentError(
          ErrorCode.FORBIDDEN,
          "Only the owner of this project or an admin may download its roles' password hashes.",
        );
      }
      const download = await backupsOf(s).openDownload(id, backupId, { destination, roles });
      const stream = ctx.call.openStream({ windowBytes: DOWNLOAD_STREAM_WINDOW_BYTES });
      void pump(stream, download.read());
      const m = download.manifest;
      return {
        stream: stream.id,
        backupId: m.id,
        instanceId: m.instanceId,
        instanceName: m.instanceName,
        totalBytes: m.database.bytes + m.files.bytes + (roles ? m.roles.bytes : 0),
        parts: download.parts,
        destination: download.destination,
      };
    },
    'backups.summary': async (_p, ctx) => ({
      projects: await backupsOf(s).summary(s.instances.list(callerOf(ctx))),
    }),
    // Another server's repository and password: a server-level secret, like destinations.
    'backups.import': async ({ source, from, name }, ctx) => {
      const caller = callerOf(ctx);
      requireAdmin(caller);
      const service = backupsOf(s);
      // Found first, so a wrong password or a missing backup creates no empty project.
      const found = await service.inspectRepository(source, from);
      const created = await s.instances.create(caller, { name });
      const ready = untilRunning(s.bus, created.instance.id);
      const job = service.cloneFromRepository(
        source,
        { instanceId: found.instanceId, backupId: found.id },
        created.instance.id,
        { ready },
      );
      return {
        jobId: job.jobId,
        queuePosition: job.queuePosition,
        instance: created.instance,
        backupId: found.id,
        sourceInstanceId: found.instanceId,
      };
    },
  };
}

/** Resolves when the instance reaches `running`; rejects with its failure when it fails. */
export function untilRunning(bus: EventBus, instanceId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = bus.subscribe((event) => {
      if (event.type === 'instance.deleted' && event.instanceId === instanceId) {
        stop();
        reject(new CodedError(ErrorCode.NOT_FOUND, 'The new project was deleted before it ran.'));
      }
      if (event.type !== 'instance.changed' || event.instance.id !== instanceId) return;
      if (event.instance.status === 'running') {
        stop();
        resolve();
      } else if (event.instance.status === 'failed') {
        stop();
        const failure = event.instance.error;
        reject(
          new CodedError(
            (failure?.code as ErrorCode | undefined) ?? ErrorCode.START_FAILED,
            `The new project could not be created: ${failure?.reason ?? 'see its page'}`,
          ),
        );
      }
    });
  });
}

/**
 * Sends a download's parts and bytes (base64) on a flow-controlled stream: the source is not
 * read while the window is full, and a cancel (or a lost connection) stops it (and its restic).
 */
export async function pump(
  stream: OutboundStream,
  source: AsyncGenerator<{ part: BackupDownloadPart } | { data: Buffer }>,
): Promise<void> {
  let wake: (() => void) | undefined;
  let cancelled = false;
  stream.onDrain(() => wake?.());
  stream.onCancel(() => {
    cancelled = true;
    wake?.();
  });
  try {
    for await (const item of source) {
      if (cancelled) break;
      const open =
        'data' in item
          ? stream.send({ data: item.data.toString('base64') } satisfies BackupDownloadItem)
          : stream.send(item);
      if (!open && !cancelled) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (cancelled) break;
    }
    stream.end();
  } catch (error) {
    const coded = asCodedError(error);
    stream.end({
      code: coded?.code ?? ErrorCode.INTERNAL,
      message: coded?.message ?? 'The download failed; details are in the agent log.',
    });
  }
}
