import path from 'node:path';
import { AgentError, CodedError } from '@common/coded-error';
import {
  DUMP_HEAD_BYTES,
  IMPORT_CHUNK_BYTES,
  IMPORT_MAX_DUMP_BYTES,
  IMPORT_MAX_STORAGE_BYTES,
  IMPORT_MAX_STORAGE_FILES,
  IMPORT_WINDOW_CHUNKS,
  sniffDump,
} from '@common/dump-format';
import { ErrorCode } from '@protocol/error-codes';
import type { DumpImportMethodResults } from '@protocol/backups-import';
import type { Caller } from '../auth/service';
import type { AgentServices, Handlers } from '../api/context';
import { callerOf } from '../api/context';
import { InstanceFiles } from '../instances/files';
import { requireAdmin } from '../instances/permissions';
import type { DbTarget } from './database';
import { DumpLoad, spawnPsqlLoader, type LoaderProcess } from './dump-load';
import { untilRunning } from './handlers';
import { ImportSession } from './import-session';
import { dbContainer } from './project-stack';

type ImportMethods = keyof DumpImportMethodResults;

export interface DumpImportOptions {
  /** psql in the project's db container; tests pass a fake. */
  spawnLoader?(db: DbTarget): LoaderProcess;
  dbTarget?(instanceId: string, project: string, caller: Caller): Promise<DbTarget>;
  /** Silence between calls before an import is given up (default 5 min). */
  idleMs?: number;
}

/**
 * Estimated disk a load takes: a database on disk is about twice its plain dump (indexes, the
 * WAL of the load), a gzip dump about five times its size before that.
 */
export function importDiskNeedMb(
  dumpBytes: number,
  gzip: boolean,
  storageBytes: number,
  minFreeMb: number,
): number {
  const dbBytes = dumpBytes * (gzip ? 5 : 1) * 2;
  return minFreeMb + Math.ceil((dbBytes + storageBytes) / 2 ** 20);
}

interface Entry {
  session: ImportSession;
  owner: string;
}

/**
 * Import of an existing Supabase project (protocol/backups-import.ts). Admins only, like
 * `backups.import`: the dump runs as the database superuser, so whoever sends it can do anything
 * the db container can (COPY … FROM PROGRAM), which is more than a project owner otherwise may.
 */
export function dumpImportHandlers(
  s: AgentServices,
  options: DumpImportOptions = {},
): Pick<Handlers, ImportMethods> {
  const sessions = new Map<string, Entry>();
  const spawnLoader = options.spawnLoader ?? spawnPsqlLoader;
  const dbTarget =
    options.dbTarget ??
    (async (id: string, project: string, caller: Caller): Promise<DbTarget> => ({
      container: await dbContainer(project),
      password: (await s.instances.credentials(caller, id)).postgresPassword,
    }));

  const sessionOf = (uploadId: string, caller: Caller): ImportSession => {
    const entry = sessions.get(uploadId);
    if (!entry || entry.owner !== caller.username) {
      throw new AgentError(
        ErrorCode.NOT_FOUND,
        `There is no import "${uploadId}" in progress (it finished, failed or was given up).`,
      );
    }
    return entry.session;
  };
  const decode = (data: string): Buffer => {
    const bytes = Buffer.from(data, 'base64');
    if (bytes.length > IMPORT_CHUNK_BYTES) {
      throw new AgentError(
        ErrorCode.INVALID_PARAMS,
        `A chunk holds at most ${IMPORT_CHUNK_BYTES} bytes.`,
      );
    }
    return bytes;
  };

  return {
    'backups.dumpImport.begin': async ({ name, dumpBytes, head, storage }, ctx) => {
      const caller = callerOf(ctx);
      requireAdmin(caller);
      const first = Buffer.from(head, 'base64');
      if (first.length < Math.min(dumpBytes, DUMP_HEAD_BYTES)) {
        throw new AgentError(
          ErrorCode.INVALID_PARAMS,
          `Send the dump's first ${DUMP_HEAD_BYTES} bytes (or all of a smaller one) as its head.`,
        );
      }
      const shape = sniffDump(first);
      const announced = storage ?? { files: 0, bytes: 0 };
      if (
        dumpBytes > IMPORT_MAX_DUMP_BYTES ||
        announced.bytes > IMPORT_MAX_STORAGE_BYTES ||
        announced.files > IMPORT_MAX_STORAGE_FILES
      ) {
        throw new CodedError(
          ErrorCode.IMPORT_TOO_LARGE,
          `An import takes at most a ${IMPORT_MAX_DUMP_BYTES / 1024 ** 3} GiB dump and ` +
            `${IMPORT_MAX_STORAGE_FILES} Storage files of ${IMPORT_MAX_STORAGE_BYTES / 1024 ** 3} GiB.`,
          { dumpBytes, ...announced },
        );
      }
      const host = await s.readHost();
      const requiredMb = importDiskNeedMb(
        dumpBytes,
        shape.gzip,
        announced.bytes,
        s.config.resources.minFreeDiskMb,
      );
      if (host.diskFreeMb < requiredMb) {
        throw new AgentError(
          ErrorCode.INSUFFICIENT_RESOURCES,
          `Not enough free disk to import this project: ${host.diskFreeMb} MB free, about ` +
            `${requiredMb} MB needed (the database takes about twice the dump, plus the ` +
            'Storage files). Free space first or import onto another server.',
          {
            resource: 'disk',
            operation: 'import',
            diskFreeMb: host.diskFreeMb,
            requiredMb,
            diskMissingMb: requiredMb - host.diskFreeMb,
          },
        );
      }

      // From here on a failure removes the new project: nothing is left behind.
      const created = await s.instances.create(caller, { name });
      const id = created.instance.id;
      const rollback = () =>
        s.instances.delete(caller, id).catch(() => s.instances.cancel(caller, id));
      try {
        await untilRunning(s.bus, id);
        const instance = s.registry.get(id) ?? created.instance;
        const proc = spawnLoader(await dbTarget(id, instance.project, caller));
        const load = new DumpLoad(proc, shape, {
          maxBytes: dumpBytes,
          maxAhead: IMPORT_WINDOW_CHUNKS * 4,
        });
        const session: ImportSession = new ImportSession({
          instance,
          load,
          storageRoot: path.join(new InstanceFiles(s.dataDir).dir(id), 'volumes', 'storage'),
          storage: announced,
          idleMs: options.idleMs ?? 300_000,
          rollback: async () => {
            await rollback();
          },
          now: () => s.now().getTime(),
          onClosed: () => sessions.delete(session.id),
        });
        sessions.set(session.id, { session, owner: caller.username });
        return {
          uploadId: session.id,
          instance,
          chunkBytes: IMPORT_CHUNK_BYTES,
          windowChunks: IMPORT_WINDOW_CHUNKS,
        };
      } catch (error) {
        await rollback().catch(() => undefined);
        throw error;
      }
    },
    'backups.dumpImport.chunk': async ({ uploadId, seq, data }, ctx) =>
      sessionOf(uploadId, callerOf(ctx)).chunk(seq, decode(data)),
    'backups.dumpImport.file': async ({ uploadId, path: relative, offset, data, last }, ctx) =>
      sessionOf(uploadId, callerOf(ctx)).file(relative, offset, decode(data), last),
    'backups.dumpImport.finish': async ({ uploadId }, ctx) =>
      sessionOf(uploadId, callerOf(ctx)).finish(),
    'backups.dumpImport.cancel': async ({ uploadId }, ctx) => {
      await sessionOf(uploadId, callerOf(ctx)).cancel();
      return { ok: true };
    },
  };
}
