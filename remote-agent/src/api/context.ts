import type { z } from 'zod';
import type { AuthService, Caller } from '../auth/service';
import type { AgentConfig } from '../config/schema';
import type { EventBus } from '../events/bus';
import type { InstanceService } from '../instances/service';
import type { Lifecycle } from '../lifecycle/types';
import type { MethodName, MethodParams, MethodResults } from '../protocol/methods';
import type { CallContext } from '../rpc/connection';
import type { AuditLog } from '../state/audit-log';
import type { StoreInstanceRegistry } from '../instances/registry';
import type { HostReadings } from '../system/resources';
import type { StaffService } from '../staff/service';

/** Per-connection state: whether `session.hello` happened and which session is bound. */
export class ClientSession {
  hello = false;
  client = '';
  tokenHash: string | undefined;
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

/** Everything the method handlers use; built once by server.ts. */
export interface AgentServices {
  auth: AuthService;
  instances: InstanceService;
  registry: StoreInstanceRegistry;
  audit: AuditLog;
  bus: EventBus;
  lifecycle: Lifecycle | undefined;
  config: AgentConfig;
  dataDir: string;
  agentVersion: string;
  /** Staff members' own Linux logins (staff/); absent in tests that do not need them. */
  staff?: StaffService;
  readHost(): Promise<HostReadings>;
  now(): Date;
}
