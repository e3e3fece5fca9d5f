import { envRef } from '../env';
import type { ServiceDefinition } from './definition';
import { DB_HEALTHY, DB_HOST, DB_PORT, dbUrl, dependsOn, healthcheck, SECRET } from './shared';

export const analytics: ServiceDefinition = {
  name: 'analytics',
  title: 'Logs (Logflare)',
  logsOnly: true,
  healthcheck: healthcheck(['CMD', 'curl', 'http://localhost:4000/health'], {
    interval: '5s',
    timeout: '5s',
    retries: 10,
  }),
  probe: { port: 4000, path: '/health' },
  compose: () => ({
    depends_on: dependsOn(DB_HEALTHY),
    environment: {
      LOGFLARE_NODE_HOST: '127.0.0.1',
      DB_USERNAME: 'supabase_admin',
      DB_DATABASE: '_supabase',
      DB_HOSTNAME: DB_HOST,
      DB_PORT: DB_PORT,
      DB_PASSWORD: SECRET.postgresPassword,
      DB_SCHEMA: '_analytics',
      LOGFLARE_PUBLIC_ACCESS_TOKEN: envRef('LOGFLARE_PUBLIC_ACCESS_TOKEN'),
      LOGFLARE_PRIVATE_ACCESS_TOKEN: envRef('LOGFLARE_PRIVATE_ACCESS_TOKEN'),
      LOGFLARE_SINGLE_TENANT: 'true',
      LOGFLARE_SUPABASE_MODE: 'true',
      POSTGRES_BACKEND_URL: dbUrl('supabase_admin', 'postgresql', '_supabase'),
      POSTGRES_BACKEND_SCHEMA: '_analytics',
      LOGFLARE_FEATURE_FLAG_OVERRIDE: 'multibackend=true',
    },
  }),
};
