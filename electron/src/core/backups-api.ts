import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { MethodName } from '@protocol/methods';
import type { z } from 'zod';
import type {
  BackupDestinationPublic,
  BackupScheduleInput,
  destinationInput,
} from '@protocol/backups';
import type { Instance } from '@protocol/types';
import { UltrabaseError, toApiError } from '@contract/errors';
import { DownloadWriter } from './backups/download-writer';
import type { ProjectView } from '@contract/api';
import type { BackupDownloadView, CloneToServerResult } from '@contract/backups';
import type { Route, RouteContext } from './projects-api';
import type { SecretStore } from './profiles/secret-store';
import type { AgentSession } from './servers/agent-session';

const DOCKER_OPERATION_MS = 600_000;

function route<M extends MethodName, A extends unknown[], R>(
  rpc: M,
  spec: Omit<Route<M, A, R>, 'rpc'>,
): Route<M, A, R> {
  return { rpc, ...spec };
}

const started = (r: { jobId: string; queuePosition: number }) => ({
  jobId: r.jobId,
  queuePosition: r.queuePosition,
});

/** Backups' agent pass-throughs (spread into PROJECT_ROUTES). Jobs return at once. */
export const BACKUP_ROUTES = {
  listBackups: route('backups.list', {
    params: (instanceId: string) => ({ id: instanceId }),
    pick: (r) => r.backups,
  }),
  createBackup: route('backups.create', {
    params: (instanceId: string, options?: { destinations?: string[] }) => ({
      id: instanceId,
      destinations: options?.destinations,
    }),
    pick: started,
  }),
  restoreBackup: route('backups.restore', {
    params: (
      instanceId: string,
      backupId: string,
      options: { confirm: string; destination?: string },
    ) => ({ id: instanceId, backupId, confirm: options.confirm, destination: options.destination }),
    pick: started,
  }),
  cloneBackup: route('backups.clone', {
    params: (
      instanceId: string,
      backupId: string,
      options: { name: string; destination?: string },
    ) => ({ id: instanceId, backupId, name: options.name, destination: options.destination }),
    timeoutMs: DOCKER_OPERATION_MS,
    pick: (r, ctx: RouteContext) => ({ ...started(r), project: ctx.project(r.instance) }),
  }),
  verifyBackup: route('backups.verify', {
    params: (instanceId: string, backupId: string, options?: { destination?: string }) => ({
      id: instanceId,
      backupId,
      destination: options?.destination,
    }),
    pick: started,
  }),
  backupJob: route('backups.job', { params: (jobId: string) => ({ jobId }), pick: (r) => r }),
  backupSchedule: route('backups.schedule', {
    params: (instanceId: string, schedule?: BackupScheduleInput | null) => ({
      id: instanceId,
      schedule,
    }),
    pick: (r) => r.schedule,
  }),
  serverBackups: route('backups.summary', {
    params: () => ({}),
    pick: (r) => r.projects,
  }),
  listBackupDestinations: route('backups.destinations.list', {
    params: () => ({}),
    pick: (r) => r.destinations,
  }),
};

/**
 * Copies a server's backup repository password into this computer's keychain, so its backups
 * on an SFTP or S3 destination can be opened after the server is gone. The password is shown
 * (returned) only the first time the server hands it out, for the agency's own vault.
 */
export async function saveBackupKey(deps: {
  serverId: string;
  session: AgentSession;
  secrets: SecretStore;
  remember(secret: string): void;
}): Promise<{ stored: true; shownOnce?: string }> {
  const { password, firstTime } = await deps.session.call('backups.key', {});
  deps.remember(password);
  await deps.secrets.set(deps.serverId, 'backupRepositoryPassword', password);
  return firstTime ? { stored: true, shownOnce: password } : { stored: true };
}

type DestinationInput = z.input<typeof destinationInput>;
type DestinationCredentials = Record<string, DestinationInput>;

async function savedDestinations(
  secrets: SecretStore,
  serverId: string,
): Promise<DestinationCredentials> {
  const raw = await secrets.get(serverId, 'backupDestinations');
  if (!raw) return {};
  try {
    return JSON.parse(raw) as DestinationCredentials;
  } catch {
    return {};
  }
}

function destinationSecrets(input: DestinationInput): string[] {
  return input.kind === 'sftp' ? [input.privateKey] : [input.accessKeyId, input.secretAccessKey];
}

/**
 * Adds a destination on the server and keeps its credentials in this computer's keychain (the
 * server keeps its own 0600 copy): what a clone onto another server needs once this one is gone.
 */
export async function addBackupDestination(deps: {
  serverId: string;
  session: AgentSession;
  secrets: SecretStore;
  remember(secret: string): void;
  input: DestinationInput;
}): Promise<BackupDestinationPublic> {
  for (const secret of destinationSecrets(deps.input)) deps.remember(secret);
  const { destination } = await deps.session.call('backups.destinations.add', {
    destination: deps.input,
  });
  const saved = await savedDestinations(deps.secrets, deps.serverId);
  saved[destination.id] = deps.input;
  await deps.secrets.set(deps.serverId, 'backupDestinations', JSON.stringify(saved));
  return destination;
}

export async function removeBackupDestination(deps: {
  serverId: string;
  session: AgentSession;
  secrets: SecretStore;
  id: string;
}): Promise<{ ok: true }> {
  await deps.session.call('backups.destinations.remove', { id: deps.id });
  const saved = await savedDestinations(deps.secrets, deps.serverId);
  if (deps.id in saved) {
    delete saved[deps.id];
    await deps.secrets.set(deps.serverId, 'backupDestinations', JSON.stringify(saved));
  }
  return { ok: true };
}

/**
 * A clone onto another server: the target server opens the source server's repository on a
 * destination both reach, with credentials and password from this computer's keychain only, so
 * the source server may be gone. When the keychain has no copy of the password yet and the
 * source server is connected, it is fetched (and kept) first.
 */
export async function cloneBackupToServer(deps: {
  fromServerId: string;
  instanceId: string;
  options: { toServer: string; name: string; destination?: string; backupId?: string };
  secrets: SecretStore;
  remember(secret: string): void;
  /** The source server's session when it is connected (to fetch a missing password). */
  sourceSession(): AgentSession | undefined;
  targetSession: AgentSession;
  project(instance: Instance): ProjectView;
}): Promise<CloneToServerResult> {
  const { fromServerId, options, secrets } = deps;
  let password = await secrets.get(fromServerId, 'backupRepositoryPassword');
  const source = deps.sourceSession();
  if (!password && source) {
    ({ password } = await source.call('backups.key', {}));
    deps.remember(password);
    await secrets.set(fromServerId, 'backupRepositoryPassword', password);
  }
  if (!password) {
    throw new UltrabaseError(
      'SECRET_MISSING',
      "This computer has no copy of that server's backup key. Run `ultrabase backups key " +
        '<server>` while the server is reachable (or connect to it), then try again.',
      { serverId: fromServerId, secret: 'backupRepositoryPassword' },
    );
  }
  const saved = await savedDestinations(secrets, fromServerId);
  const ids = Object.keys(saved);
  const id = options.destination ?? (ids.length === 1 ? ids[0] : undefined);
  const destination = id === undefined ? undefined : saved[id];
  if (!destination && options.destination === undefined && ids.length > 1) {
    throw new UltrabaseError(
      'INVALID_PARAMS',
      `Name the destination to clone from (one of: ${ids.join(', ')}).`,
      { field: 'destination' },
    );
  }
  if (!destination) {
    throw new UltrabaseError(
      'SECRET_MISSING',
      'This computer has no credentials for that backup destination: only destinations ' +
        'added from this computer (`ultrabase backups destinations add`) can be used to clone ' +
        'onto another server.',
      { serverId: fromServerId, secret: 'backupDestination' },
    );
  }
  deps.remember(password);
  for (const secret of destinationSecrets(destination)) deps.remember(secret);
  const r = await deps.targetSession.call(
    'backups.import',
    {
      source: { destination, password },
      from: {
        instanceId: deps.instanceId,
        ...(options.backupId ? { backupId: options.backupId } : {}),
      },
      name: options.name,
    },
    { timeoutMs: DOCKER_OPERATION_MS },
  );
  return {
    jobId: r.jobId,
    queuePosition: r.queuePosition,
    project: deps.project(r.instance),
    backupId: r.backupId,
  };
}

// ---- Downloads and the server-wide view (issue 17: download, backups summary) ----

const MAX_DOWNLOADS_KEPT = 20;

/** `<project>-<backup id>`, in letters, digits, `.`, `_` and `-` only. */
export function downloadFolderName(backup: {
  instanceName: string;
  instanceId: string;
  backupId: string;
}): string {
  const name = backup.instanceName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+/, '');
  const id = backup.backupId.replace(/[^a-z0-9-]/g, '');
  return `${name || backup.instanceId.replace(/[^A-Za-z0-9]/g, '')}-${id}`;
}

/**
 * Backups downloaded through the agent's tunnel into a folder on this computer: a flow-
 * controlled stream of the backup's parts (database dump, Storage and functions files, roles
 * only when asked), written as they arrive and checked against the manifest at the end.
 * Downloads run in the background; `get` answers their progress.
 */
export class BackupDownloads {
  private readonly jobs = new Map<string, BackupDownloadView>();
  private readonly running = new Map<string, AbortController>();

  /** Stops a running download: the agent stops reading, the partial folder is removed. */
  cancel(downloadId: string): { ok: true } {
    this.get(downloadId);
    this.running.get(downloadId)?.abort();
    return { ok: true };
  }

  start(deps: {
    serverId: string;
    session: AgentSession;
    instanceId: string;
    backupId: string;
    outDir: string;
    roles?: boolean;
    destination?: string;
  }): { downloadId: string; done: Promise<BackupDownloadView> } {
    const downloadId = `dl${randomBytes(5).toString('hex')}`;
    const view: BackupDownloadView = {
      downloadId,
      serverId: deps.serverId,
      instanceId: deps.instanceId,
      backupId: deps.backupId,
      bytes: 0,
      totalBytes: 0,
      finished: false,
    };
    this.jobs.set(downloadId, view);
    const abort = new AbortController();
    this.running.set(downloadId, abort);
    for (const old of this.jobs.keys()) {
      if (this.jobs.size <= MAX_DOWNLOADS_KEPT) break;
      if (this.jobs.get(old)?.finished) this.jobs.delete(old);
      else break;
    }
    const done = (async () => {
      let writer: DownloadWriter | undefined;
      try {
        await deps.session.consumeStream(
          'backups.download',
          {
            id: deps.instanceId,
            backupId: deps.backupId,
            ...(deps.destination ? { destination: deps.destination } : {}),
            ...(deps.roles ? { roles: true } : {}),
          },
          {
            opened: async (r) => {
              if (r.backupId !== deps.backupId) {
                throw new UltrabaseError(
                  'BACKUP_NOT_FOUND',
                  `The server answered with backup ${r.backupId}, not ${deps.backupId}.`,
                );
              }
              writer = new DownloadWriter(
                join(deps.outDir, downloadFolderName(r)),
                { backupId: r.backupId, totalBytes: r.totalBytes },
                r.parts,
                (p) => {
                  view.bytes = p.bytes;
                  if (p.part) view.part = p.part;
                },
              );
              view.dir = writer.dir;
              view.totalBytes = writer.totalBytes;
              await writer.start();
            },
            data: (item) => writer!.write(item),
          },
          { timeoutMs: DOCKER_OPERATION_MS, signal: abort.signal },
        );
        if (!writer) throw new UltrabaseError('INTERNAL', 'The download ended before it began.');
        view.result = await writer.finish();
        view.bytes = view.result.bytes;
      } catch (error) {
        await writer?.abort();
        view.error = toApiError(error);
      } finally {
        view.finished = true;
        this.running.delete(downloadId);
      }
      return view;
    })();
    return { downloadId, done };
  }

  get(downloadId: string): BackupDownloadView {
    const view = this.jobs.get(downloadId);
    if (!view) {
      throw new UltrabaseError('NOT_FOUND', `There is no download "${downloadId}".`);
    }
    return structuredClone(view);
  }
}

/** Where a download goes when no folder is named: the person's Downloads folder, else home. */
export function defaultDownloadDir(home = homedir()): string {
  const downloads = join(home, 'Downloads');
  return existsSync(downloads) ? downloads : home;
}
