import { envRef } from '../env';
import type { ServiceDefinition } from './definition';
import {
  analyticsHealthy,
  DB_HEALTHY,
  DB_NAME,
  DB_PORT,
  dbUrl,
  dependsOn,
  healthcheck,
  SECRET,
} from './shared';

/** The pooler's ports inside the instance network: session mode where Postgres is expected. */
export const POOLER_SESSION_PORT = 5432;
export const POOLER_TRANSACTION_PORT = 6543;

export const supavisor: ServiceDefinition = {
  name: 'supavisor',
  title: 'Connection pooler (Supavisor)',
  logsOnly: false,
  healthcheck: healthcheck(
    ['CMD', 'curl', '-sSfL', '--head', '-o', '/dev/null', 'http://127.0.0.1:4000/api/health'],
    { interval: '10s', timeout: '5s', retries: 5 },
  ),
  probe: { port: 4000, path: '/api/health' },
  // The kit publishes the pooler's session mode where people expect Postgres.
  published: [
    { hostPort: 'postgres', containerPort: POOLER_SESSION_PORT },
    { hostPort: 'poolerTransaction', containerPort: POOLER_TRANSACTION_PORT },
  ],
  compose: (context) => ({
    volumes: ['./volumes/pooler/pooler.exs:/etc/pooler/pooler.exs:ro,z'],
    depends_on: dependsOn(DB_HEALTHY, analyticsHealthy(context)),
    environment: {
      PORT: '4000',
      POSTGRES_PORT: DB_PORT,
      POSTGRES_DB: DB_NAME,
      POSTGRES_PASSWORD: SECRET.postgresPassword,
      DATABASE_URL: dbUrl('supabase_admin', 'ecto', '_supabase'),
      CLUSTER_POSTGRES: 'true',
      SECRET_KEY_BASE: envRef('SECRET_KEY_BASE'),
      VAULT_ENC_KEY: envRef('VAULT_ENC_KEY'),
      API_JWT_SECRET: SECRET.jwtSecret,
      METRICS_JWT_SECRET: SECRET.jwtSecret,
      REGION: 'local',
      ERL_AFLAGS: '-proto_dist inet_tcp',
      POOLER_TENANT_ID: envRef('POOLER_TENANT_ID'),
      POOLER_DEFAULT_POOL_SIZE: '20',
      POOLER_MAX_CLIENT_CONN: '100',
      POOLER_POOL_MODE: 'transaction',
      DB_POOL_SIZE: '5',
    },
    command: [
      '/bin/sh',
      '-c',
      '/app/bin/migrate && /app/bin/supavisor eval "$$(cat /etc/pooler/pooler.exs)" && /app/bin/server',
    ],
  }),
};
