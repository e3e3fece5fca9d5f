import type { MethodName } from '@protocol/methods';
import type { BackupScheduleInput } from '@protocol/backups';
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
