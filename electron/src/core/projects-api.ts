import type { DesktopApi, ProjectView } from '@contract/api';
import type {
  DomainTarget,
  Instance,
  OptionalServices,
  ProjectSize,
  SecretRotation,
  SettingValue,
} from '@protocol/types';
import type { BulkAction } from '@protocol/bulk';
import type { MethodName, ParamsOf, ResultOf } from '@protocol/methods';
import { ALERT_ROUTES } from './alerts-api';
import type { AgentSession } from './servers/agent-session';
import { BACKUP_ROUTES } from './backups-api';

/** What a result picker may use besides the agent's answer. */
export interface RouteContext {
  serverId: string;
  project(instance: Instance): ProjectView;
  /** Registers a secret the answer carries, so no log or error can echo it. */
  remember(secret: string): void;
}

/**
 * One DesktopApi method that is a single agent call on one server: which RPC, how its
 * parameters are built from the method's arguments (after the server id), how long it may
 * take, and what of the answer the method returns.
 */
export interface Route<M extends MethodName, A extends unknown[], R> {
  rpc: M;
  params(...args: A): ParamsOf<M>;
  /** Operations that run Docker take minutes; the default is the client's 30 s. */
  timeoutMs?: number;
  pick(result: ResultOf<M>, ctx: RouteContext): R;
  /** Secret values among the arguments (nested ones too), remembered before they travel. */
  secrets?(...args: A): string[];
}

function route<M extends MethodName, A extends unknown[], R>(
  rpc: M,
  spec: Omit<Route<M, A, R>, 'rpc'>,
): Route<M, A, R> {
  return { rpc, ...spec };
}

const DOCKER_OPERATION_MS = 600_000;
const UPGRADE_MS = 3_600_000;
const byId = (instanceId: string) => ({ id: instanceId });

/**
 * The agent pass-throughs, as data. JSON drops `undefined` fields, so optional arguments can go
 * into the parameters as they are.
 */
export const PROJECT_ROUTES = {
  serverResources: route('system.resources', { params: () => ({}), pick: (r) => r }),
  serverCapacity: route('system.capacity', { params: () => ({}), pick: (r) => r }),
  reshapeProject: route('instances.reshape', {
    params: (
      instanceId: string,
      change: { size?: ProjectSize; optionalServices?: OptionalServices } = {},
    ) => ({ id: instanceId, size: change.size, optionalServices: change.optionalServices }),
    timeoutMs: DOCKER_OPERATION_MS,
    pick: (r, ctx) => ctx.project(r.instance),
  }),
  planReshapeProject: route('instances.reshape', {
    params: (
      instanceId: string,
      change: { size?: ProjectSize; optionalServices?: OptionalServices } = {},
    ) => ({
      id: instanceId,
      size: change.size,
      optionalServices: change.optionalServices,
      dryRun: true,
    }),
    pick: (r) => ({ plan: r.plan, dryRun: r.dryRun }),
  }),
  serverAudit: route('audit.list', {
    params: (options?: { instanceId?: string; limit?: number }) => ({
      instanceId: options?.instanceId,
      limit: options?.limit,
    }),
    pick: (r) => r.entries,
  }),
  projectProgress: route('instances.progress', { params: byId, pick: (r) => r }),
  startProject: route('instances.start', {
    params: byId,
    timeoutMs: DOCKER_OPERATION_MS,
    pick: (r, ctx) => ctx.project(r.instance),
  }),
  stopProject: route('instances.stop', {
    params: byId,
    timeoutMs: DOCKER_OPERATION_MS,
    pick: (r, ctx) => ctx.project(r.instance),
  }),
  restartProject: route('instances.restart', {
    params: byId,
    timeoutMs: DOCKER_OPERATION_MS,
    pick: (r, ctx) => ctx.project(r.instance),
  }),
  deleteProject: route('instances.delete', {
    params: byId,
    timeoutMs: DOCKER_OPERATION_MS,
    pick: (): void => undefined,
  }),
  // A running creation stops at its next step boundary and rolls back: that takes a while.
  cancelCreation: route('instances.cancel', {
    params: byId,
    timeoutMs: DOCKER_OPERATION_MS,
    pick: (r, ctx) => ctx.project(r.instance),
  }),
  projectCredentials: route('instances.credentials', {
    params: byId,
    pick: (r, ctx) => {
      for (const v of Object.values(r.credentials)) if (typeof v === 'string') ctx.remember(v);
      return r.credentials;
    },
  }),
  diagnoseProject: route('instances.diagnose', {
    params: byId,
    timeoutMs: 300_000,
    pick: (r) => r.report,
  }),
  repairProject: route('instances.repair', {
    params: (instanceId: string, options?: { dryRun?: boolean }) => ({
      id: instanceId,
      dryRun: options?.dryRun,
    }),
    timeoutMs: DOCKER_OPERATION_MS,
    pick: (r) => r,
  }),
  projectStats: route('stats.instance', { params: byId, pick: (r) => r.services }),
  projectUsageHistory: route('usage.history', {
    params: (instanceId: string, since?: number) => ({ id: instanceId, since }),
    pick: (r) => r,
  }),
  projectSettings: route('instances.settings.get', { params: byId, pick: (r) => r.settings }),
  setProjectSettings: route('instances.settings.set', {
    params: (
      instanceId: string,
      changes: Record<string, SettingValue | null>,
      options?: { dryRun?: boolean },
    ) => ({ id: instanceId, changes, dryRun: options?.dryRun }),
    timeoutMs: DOCKER_OPERATION_MS,
    pick: (r) => r,
  }),
  rotateProjectSecret: route('instances.settings.rotate', {
    params: (instanceId: string, secret: SecretRotation, options?: { dryRun?: boolean }) => ({
      id: instanceId,
      secret,
      dryRun: options?.dryRun,
    }),
    timeoutMs: DOCKER_OPERATION_MS,
    pick: (r) => r,
  }),
  sendTestEmail: route('instances.settings.testEmail', {
    params: (instanceId: string, to: string) => ({ id: instanceId, to }),
    timeoutMs: 60_000,
    pick: (r) => r,
  }),
  stackReleases: route('stack.releases', { params: () => ({}), pick: (r) => r }),
  upgradePlan: route('instances.upgradePlan', {
    params: (instanceId: string, options?: { release?: string }) => ({
      id: instanceId,
      release: options?.release,
    }),
    pick: (r) => r.plan,
  }),
  // Pulls, restarts a whole stack, maybe rolls back; in a bulk upgrade it may also wait for
  // the agent's upgrade slots first.
  upgradeProject: route('instances.upgrade', {
    params: (instanceId: string, options?: { release?: string }) => ({
      id: instanceId,
      release: options?.release,
    }),
    timeoutMs: UPGRADE_MS,
    pick: (r, ctx) => ({
      project: ctx.project(r.instance),
      plan: r.plan,
      ...(r.diagnosis ? { diagnosis: r.diagnosis } : {}),
    }),
  }),
  upgradePostgresPlan: route('instances.upgradePostgresPlan', {
    params: (instanceId: string, options?: { release?: string }) => ({
      id: instanceId,
      release: options?.release,
    }),
    pick: (r) => r.plan,
  }),
  // A backup, a fresh cluster and a full restore of the database: as long as an upgrade.
  upgradePostgres: route('instances.upgradePostgres', {
    params: (instanceId: string, options: { release?: string; confirm: string }) => ({
      id: instanceId,
      release: options.release,
      confirm: options.confirm,
    }),
    timeoutMs: UPGRADE_MS,
    pick: (r, ctx) => ({
      project: ctx.project(r.instance),
      plan: r.plan,
      ...(r.diagnosis ? { diagnosis: r.diagnosis } : {}),
    }),
  }),
  projectDomains: route('domains.list', { params: byId, pick: (r) => r.domains }),
  // Adding or removing a name may recreate the services that carry the public URL.
  addProjectDomain: route('domains.add', {
    params: (
      instanceId: string,
      hostname: string,
      options?: { target?: DomainTarget; hsts?: boolean; studioAllowIps?: string[] },
    ) => ({ id: instanceId, hostname, ...options }),
    timeoutMs: DOCKER_OPERATION_MS,
    pick: (r) => r.domain,
  }),
  updateProjectDomain: route('domains.update', {
    params: (
      instanceId: string,
      hostname: string,
      change: { hsts?: boolean; studioAllowIps?: string[] },
    ) => ({ id: instanceId, hostname, ...change }),
    pick: (r) => r.domain,
  }),
  serverDomains: route('domains.server', { params: () => ({}), pick: (r) => r.domains }),
  projectDatabaseAccess: route('domains.database.get', { params: byId, pick: (r) => r.access }),
  // Recreates db (and a public project's pooler) with the new binding, health awaited.
  setProjectDatabaseAccess: route('domains.database.set', {
    params: (instanceId: string, enabled: boolean, options?: { hostname?: string }) => ({
      id: instanceId,
      enabled,
      ...(options?.hostname ? { hostname: options.hostname } : {}),
    }),
    timeoutMs: DOCKER_OPERATION_MS,
    pick: (r) => r.access,
  }),
  removeProjectDomain: route('domains.remove', {
    params: (instanceId: string, hostname: string) => ({ id: instanceId, hostname }),
    timeoutMs: DOCKER_OPERATION_MS,
    pick: (): void => undefined,
  }),
  listUsers: route('users.list', { params: () => ({}), pick: (r) => r.users }),
  createUser: route('users.create', {
    params: (input: ParamsOf<'users.create'>) => input,
    pick: (r) => r.user,
  }),
  updateUser: route('users.update', {
    params: (input: ParamsOf<'users.update'>) => input,
    pick: (r) => r.user,
  }),
  deleteUser: route('users.delete', {
    params: (username: string) => ({ username }),
    pick: (): void => undefined,
  }),
  grantProject: route('users.grant', {
    params: (username: string, instanceId: string) => ({ username, instanceId }),
    pick: (r) => r.user,
  }),
  revokeProject: route('users.revoke', {
    params: (username: string, instanceId: string) => ({ username, instanceId }),
    pick: (r) => r.user,
  }),
  setProjectTags: route('instances.setTags', {
    params: (instanceId: string, tags: string[]) => ({ id: instanceId, tags }),
    pick: (r, ctx) => ctx.project(r.instance),
  }),
  startBulk: route('bulk.start', {
    params: (action: BulkAction, ids: string[]) => ({ action, ids }),
    pick: (r) => r.job,
  }),
  bulkJob: route('bulk.get', { params: (job: string) => ({ job }), pick: (r) => r.job }),
  listStaff: route('staff.list', { params: () => ({}), pick: (r) => r.staff }),
  // useradd and the dial-path checks run on the server: more than the default 30 s on a slow host.
  addStaff: route('staff.add', {
    params: (input: ParamsOf<'staff.add'>) => input,
    timeoutMs: 120_000,
    pick: (r) => r,
  }),
  removeStaff: route('staff.remove', {
    params: (username: string) => ({ username }),
    timeoutMs: 120_000,
    pick: (): void => undefined,
  }),
  ...ALERT_ROUTES,
  ...BACKUP_ROUTES,
};

type Routes = typeof PROJECT_ROUTES;
type RouteMethod<T> =
  T extends Route<MethodName, infer A, infer R>
    ? (serverId: string, ...args: A) => Promise<R>
    : never;
export type ProjectsApi = { [K in keyof Routes]: RouteMethod<Routes[K]> };

/** Fields of the routed arguments that are secrets: remembered before they travel. */
const SECRET_FIELDS = ['password'] as const;

/** Builds the routed methods over whatever supplies a connected session per server. */
export function createProjectsApi(deps: {
  session(serverId: string): AgentSession;
  context(serverId: string): RouteContext;
}): ProjectsApi {
  const api: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(PROJECT_ROUTES)) {
    const r = spec as unknown as Route<MethodName, unknown[], unknown>;
    api[name] = async (serverId: string, ...args: unknown[]) => {
      const ctx = deps.context(serverId);
      for (const arg of args) rememberSecrets(arg, ctx);
      for (const secret of r.secrets?.(...args) ?? []) ctx.remember(secret);
      const params = r.params(...args);
      const options = r.timeoutMs === undefined ? undefined : { timeoutMs: r.timeoutMs };
      const result = await deps.session(serverId).call(r.rpc, params as never, options);
      return r.pick(result, ctx);
    };
  }
  return api as ProjectsApi;
}

/** Setting keys whose values are secrets (`smtp.password`, `auth.external.google.secret`…). */
const SECRET_SETTING = /\.(password|secret|authToken)$/;

function rememberSecrets(arg: unknown, ctx: RouteContext): void {
  if (typeof arg !== 'object' || arg === null) return;
  for (const [key, value] of Object.entries(arg as Record<string, unknown>)) {
    if (SECRET_SETTING.test(key) && typeof value === 'string' && value !== '') ctx.remember(value);
  }
  for (const field of SECRET_FIELDS) {
    const value = (arg as Record<string, unknown>)[field];
    if (typeof value === 'string' && value !== '') ctx.remember(value);
  }
}

// The routed methods must be exactly the contract's (a drifted route fails to compile here).
type Routed = Pick<DesktopApi, keyof Routes>;
const _routedFitsContract = (api: ProjectsApi): Routed => api;
void _routedFitsContract;
