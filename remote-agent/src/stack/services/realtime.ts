import { envRef } from '../env';
import type { ServiceDefinition } from './definition';
import {
  analyticsHealthy,
  DB_HEALTHY,
  DB_HOST,
  DB_NAME,
  DB_PORT,
  dependsOn,
  healthcheck,
  SECRET,
} from './shared';

/**
 * Realtime derives its tenant from the first label of the host name it is called by, so Kong
 * must reach it as `realtime-dev.supabase-realtime`. The kit gets that name from a fixed
 * container_name, which would collide between instances; a network alias on the instance's
 * own network gives the same name with no collision.
 */
export const REALTIME_ALIAS = 'realtime-dev.supabase-realtime';

export const realtime: ServiceDefinition = {
  name: 'realtime',
  title: 'Realtime',
  logsOnly: false,
  healthcheck: healthcheck(
    [
      'CMD-SHELL',
      `curl -sSfL --head -o /dev/null -H "Authorization: Bearer ${SECRET.anonKey}" http://localhost:4000/api/tenants/realtime-dev/health`,
    ],
    // The kit checks every 30 s, which alone makes a new instance wait up to half a minute
    // to count as healthy; 5 s like the other services (health logging is off anyway).
    { interval: '5s', timeout: '5s', retries: 3, start_period: '10s' },
  ),
  probe: { port: 4000, path: '/api/tenants/realtime-dev/health' },
  compose: (context) => ({
    networks: { default: { aliases: [REALTIME_ALIAS] } },
    depends_on: dependsOn(DB_HEALTHY, analyticsHealthy(context)),
    environment: {
      PORT: '4000',
      DB_HOST: DB_HOST,
      DB_PORT: DB_PORT,
      DB_USER: 'supabase_admin',
      DB_PASSWORD: SECRET.postgresPassword,
      DB_NAME: DB_NAME,
      DB_AFTER_CONNECT_QUERY: 'SET search_path TO _realtime',
      // The kit ships the literal `supabaserealtime` here; each instance gets its own key.
      DB_ENC_KEY: envRef('REALTIME_DB_ENC_KEY'),
      API_JWT_SECRET: SECRET.jwtSecret,
      SECRET_KEY_BASE: envRef('SECRET_KEY_BASE'),
      METRICS_JWT_SECRET: SECRET.jwtSecret,
      ERL_AFLAGS: '-proto_dist inet_tcp',
      DNS_NODES: "''",
      RLIMIT_NOFILE: '10000',
      APP_NAME: 'realtime',
      SEED_SELF_HOST: 'true',
      RUN_JANITOR: 'true',
      DISABLE_HEALTHCHECK_LOGGING: 'true',
    },
  }),
};
