import {
  databaseTlsOptions,
  DB_HBA_FILE,
  DB_HBA_MOUNT,
  DB_TLS_DIR,
  DB_TLS_MOUNT,
} from '../volumes/db-tls';
import type { ServiceDefinition } from './definition';
import { DB_NAME, DB_PORT, dependsOn, healthcheck, JWT_EXPIRY, SECRET } from './shared';

export const db: ServiceDefinition = {
  name: 'db',
  title: 'Postgres',
  logsOnly: false,
  healthcheck: healthcheck(['CMD', 'pg_isready', '-U', 'postgres', '-h', 'localhost'], {
    interval: '5s',
    timeout: '5s',
    retries: 10,
    // First start runs initdb and every migration: on a busy or small VPS that outlasts the
    // kit's 50 s of retries, db turns unhealthy and compose abandons every dependent.
    // Failures inside start_period do not count; the first success still counts at once.
    start_period: '180s',
  }),
  compose: (context) => ({
    volumes: [
      './volumes/db/realtime.sql:/docker-entrypoint-initdb.d/migrations/99-realtime.sql:Z',
      // Superuser needed to create the event trigger.
      './volumes/db/webhooks.sql:/docker-entrypoint-initdb.d/init-scripts/98-webhooks.sql:Z',
      // Superuser needed to alter reserved roles.
      './volumes/db/roles.sql:/docker-entrypoint-initdb.d/init-scripts/99-roles.sql:Z',
      './volumes/db/jwt.sql:/docker-entrypoint-initdb.d/init-scripts/99-jwt.sql:Z',
      './volumes/db/data:/var/lib/postgresql/data:Z',
      './volumes/db/_supabase.sql:/docker-entrypoint-initdb.d/migrations/97-_supabase.sql:Z',
      './volumes/db/logs.sql:/docker-entrypoint-initdb.d/migrations/99-logs.sql:Z',
      './volumes/db/pooler.sql:/docker-entrypoint-initdb.d/migrations/99-pooler.sql:Z',
      // pgsodium's root key lives here and must survive container re-creation.
      'db-config:/etc/postgresql-custom',
      ...(context.databaseTls
        ? [`./${DB_TLS_DIR}:${DB_TLS_MOUNT}:ro,z`, `./${DB_HBA_FILE}:${DB_HBA_MOUNT}:ro,z`]
        : []),
    ],
    depends_on: dependsOn(context.enableLogs ? { vector: { condition: 'service_healthy' } } : {}),
    environment: {
      POSTGRES_HOST: '/var/run/postgresql',
      PGPORT: DB_PORT,
      POSTGRES_PORT: DB_PORT,
      PGPASSWORD: SECRET.postgresPassword,
      POSTGRES_PASSWORD: SECRET.postgresPassword,
      PGDATABASE: DB_NAME,
      POSTGRES_DB: DB_NAME,
      JWT_SECRET: SECRET.jwtSecret,
      JWT_EXP: JWT_EXPIRY,
    },
    command: [
      'postgres',
      '-c',
      'config_file=/etc/postgresql/postgresql.conf',
      '-c',
      // Keeps Realtime's polling queries out of the logs.
      'log_min_messages=fatal',
      ...(context.databaseTls ? databaseTlsOptions() : []),
    ],
  }),
};
