import type { DesktopApi, ProjectView } from '@contract/api';
import type { Instance } from '@protocol/types';
import type { MethodName, ParamsOf, ResultOf } from '@protocol/methods';
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
}

function route<M extends MethodName, A extends unknown[], R>(
  rpc: M,
  spec: Omit<Route<M, A, R>, 'rpc'>,
): Route<M, A, R> {
  return { rpc, ...spec };
}

const DOCKER_OPERATION_MS = 600_000;
const byId = (instanceId: string) => ({ id: instanceId });

/**
 * The agent pass-throughs, as data. JSON drops `undefined` fields, so optional arguments can go
 * into the parameters as they are.
 */
export const PROJECT_ROUTES = {
  serverResources: route('system.resources', { params: () => ({}), pick: (r) => r }),
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
      const params = r.params(...args);
      const options = r.timeoutMs === undefined ? undefined : { timeoutMs: r.timeoutMs };
      const result = await deps.session(serverId).call(r.rpc, params as never, options);
      return r.pick(result, ctx);
    };
  }
  return api as ProjectsApi;
}

function rememberSecrets(arg: unknown, ctx: RouteContext): void {
  if (typeof arg !== 'object' || arg === null) return;
  for (const field of SECRET_FIELDS) {
    const value = (arg as Record<string, unknown>)[field];
    if (typeof value === 'string' && value !== '') ctx.remember(value);
  }
}

// The routed methods must be exactly the contract's (a drifted route fails to compile here).
type Routed = Pick<DesktopApi, keyof Routes>;
const _routedFitsContract = (api: ProjectsApi): Routed => api;
void _routedFitsContract;
