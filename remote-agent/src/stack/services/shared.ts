import { envRef } from '../env';
import type { YamlValue } from '../yaml';
import type { Healthcheck, ServiceContext } from './definition';

// Inside the instance network Postgres always listens on 5432; only host ports vary.
export const DB_HOST = 'db';
export const DB_PORT = '5432';
export const DB_NAME = 'postgres';
export const JWT_EXPIRY = '3600';

/** References to the instance's secrets in `.env`: the compose file holds none itself. */
export const SECRET = {
  postgresPassword: envRef('POSTGRES_PASSWORD'),
  jwtSecret: envRef('JWT_SECRET'),
  anonKey: envRef('ANON_KEY'),
  serviceRoleKey: envRef('SERVICE_ROLE_KEY'),
} as const;

/** A Postgres URL on the instance network, with the password by reference. */
export function dbUrl(user: string, scheme = 'postgres', db = DB_NAME): string {
  return `${scheme}://${user}:${SECRET.postgresPassword}@${DB_HOST}:${DB_PORT}/${db}`;
}

type Conditions = Record<string, { condition: string }>;

export const DB_HEALTHY: Conditions = { db: { condition: 'service_healthy' } };

/** With logs on, the kit holds services back until Logflare is up, so no early line is lost. */
export function analyticsHealthy(context: ServiceContext): Conditions {
  return context.enableLogs ? { analytics: { condition: 'service_healthy' } } : {};
}

export function dependsOn(...conditions: Conditions[]): YamlValue | undefined {
  const merged: Conditions = Object.assign({}, ...conditions) as Conditions;
  return Object.keys(merged).length > 0 ? merged : undefined;
}

export function healthcheck(test: string[], timing: Omit<Healthcheck, 'test'>): Healthcheck {
  return { test, ...timing };
}

/**
 * The kit's healthcheck probed every `intervalMs` (agent config `healthcheckIntervalMs`): the
 * retries scale with it, so a service still has the kit's time before it counts as unhealthy.
 * Docker 20.10 has no `start_interval`: the interval alone sets how soon a new container can
 * turn healthy, and each level of `depends_on: service_healthy` waits for it.
 */
export function pacedHealthcheck(check: Healthcheck, intervalMs: number | undefined): Healthcheck {
  if (intervalMs === undefined) return check;
  const kitMs = seconds(check.interval) * 1000;
  return {
    ...check,
    interval: `${intervalMs / 1000}s`,
    retries: Math.max(1, Math.ceil((check.retries * kitMs) / intervalMs)),
  };
}

function seconds(duration: string): number {
  const match = /^(\d+)s$/.exec(duration);
  if (!match) throw new Error(`A kit healthcheck interval in whole seconds, not ${duration}`);
  return Number(match[1]);
}

/** Compose interpolates `$` everywhere in the file; a literal value must escape it. */
export function literal(text: string): string {
  return text.replaceAll('$', '$$$$');
}
