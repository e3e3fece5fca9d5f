import type { RecoveryProgress } from '@protocol/types';
import type { CapacityService } from '../sizing/service';
import { AgentError } from '@common/coded-error';
import { ErrorCode } from '@protocol/error-codes';
import type { z } from 'zod';
import type { AlertService } from '../alerts/service';
import type { AuthService, Caller } from '../auth/service';
import type { AgentConfig } from '../config/schema';
import type { EventBus } from '../events/bus';
import type { InstanceService } from '../instances/service';
import type { MethodName, MethodParams, MethodResults } from '@protocol/methods';
import type { CallContext } from '../rpc/connection';
import type { AuditLog } from '../state/audit-log';
import type { StoreInstanceRegistry } from '../instances/registry';
import type { HealthService } from '../repair/service';
import type { HostReadings } from '../system/resources';
import type { StaffService } from '../staff/service';
import type { DomainService } from '../domains/service';
import type { DatabaseAccess } from '../domains/database-access';
import type { SettingsService } from '../settings/service';
import type { ReleaseCatalog } from '../stack/releases';
import type { Upgrader } from '../upgrades/upgrader';
import type { PostgresMajorUpgrader } from '../upgrades/postgres-major';
import type { BackupService } from '../backups/service';
import type { UsageHistory } from '../usage/ring';

/** Per-connection state: whether `session.hello` happened and which session is bound. */
export class ClientSession {
  hello = false;
  client = '';
  tokenHash: string | undefined;
  /** The staff account this connection may log in as, and no other (`session.bind`). */
  boundTo: string | undefined;
  /** `logs.follow` streams open on this connection (capped: each holds Docker streams). */
  logStreams = 0;
}

export interface HandlerContext {
  session: ClientSession;
  /** Present for every method outside PUBLIC_METHODS (the dispatcher resolved it). */
  caller: Caller | undefined;
  call: CallContext;
}

export type ParamsOut<M extends MethodName> = z.output<(typeof MethodParams)[M]>;

export type Handler<M extends MethodName> = (
  params: ParamsOut<M>,
  ctx: HandlerContext,
) => Promise<MethodResults[M]> | MethodResults[M];

export type Handlers = { [M in MethodName]: Handler<M> };

/** The caller of a method outside PUBLIC_METHODS (the dispatcher resolved it). */
export function callerOf(ctx: HandlerContext): Caller {
  if (!ctx.caller) throw new AgentError(ErrorCode.UNAUTHENTICATED, 'Log in first.');
  return ctx.caller;
}

/** Everything the method handlers use; built once by server.ts. */
export interface AgentServices {
  /** Stack releases and upgrades (remote-agent/src/upgrades/); absent in tests without Docker. */
  upgrades?: { catalog: ReleaseCatalog; upgrader: Upgrader; postgres?: PostgresMajorUpgrader };
  auth: AuthService;
  instances: InstanceService;
  registry: StoreInstanceRegistry;
  audit: AuditLog;
  bus: EventBus;
  health: HealthService;
  config: AgentConfig;
  dataDir: string;
  agentVersion: string;
  /** Staff members' own Linux logins (staff/); absent in tests that do not need them. */
  staff?: StaffService;
  /** Notifications to people (alerts/); absent in tests that do not need them. */
  alerts?: AlertService;
  /** Custom domains and the reverse proxy (domains/); absent in tests that do not need them. */
  domains?: DomainService;
  /** Postgres over the internet, TLS only (domains/database-access.ts). */
  databaseAccess?: DatabaseAccess;
  readHost(): Promise<HostReadings>;
  /** Docker engine and Compose versions (docker/host.ts); absent in tests that do not need them. */
  readVersions?(): Promise<{ docker?: string; compose?: string }>;
  now(): Date;
  /** Project settings and secret rotation (settings/); absent in tests that do not need them. */
  settings?: SettingsService;
  /** Sizes, optional services and the capacity summary (sizing/); absent in some tests. */
  capacity?: CapacityService;
  /** Backups, restores and drills (backups/); absent in tests that do not need them. */
  backups?: BackupService;
  /** Each project's usage history, fed by the sampler (usage/); absent in some tests. */
  usage?: UsageHistory;
  /** The start-up recovery pass under way (startup/), replayed to each new event subscriber. */
  recoveryNow?(): RecoveryProgress | undefined;
}
