import { analytics } from './analytics';
import { auth } from './auth';
import { db } from './db';
import type { GatewayRoute, ServiceDefinition, ServiceProbe } from './definition';
import { functions } from './functions';
import { imgproxy } from './imgproxy';
import { kong } from './kong';
import { meta } from './meta';
import { realtime } from './realtime';
import { rest } from './rest';
import { storage } from './storage';
import { studio } from './studio';
import { supavisor } from './supavisor';
import { vector } from './vector';

export type {
  ComposeInput,
  GatewayRoute,
  Healthcheck,
  PublishedPort,
  ServiceDefinition,
  ServiceProbe,
  StackServiceName,
} from './definition';
export { KONG_HTTP_PORT } from './kong';
export { REALTIME_ALIAS } from './realtime';
export { POOLER_SESSION_PORT, POOLER_TRANSACTION_PORT } from './supavisor';

/** A service of the stack, as the rest of the agent sees it: its definition. */
export type StackService = ServiceDefinition;

/** Every service of the official self-hosting kit, in the order the compose file lists them. */
export const STACK_SERVICES: readonly StackService[] = [
  db,
  kong,
  auth,
  rest,
  realtime,
  storage,
  imgproxy,
  meta,
  functions,
  studio,
  supavisor,
  analytics,
  vector,
];

/** The services an instance runs. */
export function stackServices(enableLogs = false): StackService[] {
  return STACK_SERVICES.filter((s) => enableLogs || !s.logsOnly);
}

/** The service, by name. */
export function stackService(name: StackService['name']): StackService {
  const found = STACK_SERVICES.find((s) => s.name === name);
  if (!found) throw new Error(`No service ${name} in the stack`);
  return found;
}

export function hasProbe(s: StackService): s is StackService & { probe: ServiceProbe } {
  return s.probe !== undefined;
}

export function hasGateway(s: StackService): s is StackService & { gateway: GatewayRoute } {
  return s.gateway !== undefined;
}
