import { envRef } from '../env';
import type { ServiceDefinition } from './definition';
import {
  analyticsHealthy,
  DB_HOST,
  DB_NAME,
  DB_PORT,
  dependsOn,
  healthcheck,
  SECRET,
} from './shared';

export const studio: ServiceDefinition = {
  name: 'studio',
  title: 'Studio',
  logsOnly: false,
  healthcheck: healthcheck(
    [
      'CMD',
      'node',
      '-e',
      "fetch('http://studio:3000/api/platform/profile').then((r) => {if (r.status !== 200) throw new Error(r.status)})",
    ],
    { interval: '5s', timeout: '10s', retries: 3 },
  ),
  probe: { port: 3000, path: '/api/platform/profile' },
  gateway: { title: 'Studio through Kong', path: '/api/platform/profile', credential: 'dashboard' },
  compose: (context) => ({
    depends_on: dependsOn(analyticsHealthy(context)),
    environment: {
      // Next.js listens on this address. The kit moved from '::' to 0.0.0.0: on a host booted
      // with IPv6 disabled, '::' cannot be bound and Studio never starts.
      HOSTNAME: '0.0.0.0',
      STUDIO_PG_META_URL: 'http://meta:8080',
      POSTGRES_PORT: DB_PORT,
      POSTGRES_HOST: DB_HOST,
      POSTGRES_DB: DB_NAME,
      POSTGRES_PASSWORD: SECRET.postgresPassword,
      PG_META_CRYPTO_KEY: envRef('PG_META_CRYPTO_KEY'),
      PGRST_DB_SCHEMAS: 'public,storage,graphql_public',
      PGRST_DB_MAX_ROWS: '1000',
      PGRST_DB_EXTRA_SEARCH_PATH: 'public',
      DEFAULT_ORGANIZATION_NAME: 'Default Organization',
      DEFAULT_PROJECT_NAME: context.name,
      SUPABASE_URL: 'http://kong:8000',
      SUPABASE_PUBLIC_URL: context.publicUrl,
      SUPABASE_ANON_KEY: SECRET.anonKey,
      SUPABASE_SERVICE_KEY: SECRET.serviceRoleKey,
      AUTH_JWT_SECRET: SECRET.jwtSecret,
      LOGFLARE_API_KEY: envRef('LOGFLARE_PUBLIC_ACCESS_TOKEN'),
      LOGFLARE_PUBLIC_ACCESS_TOKEN: envRef('LOGFLARE_PUBLIC_ACCESS_TOKEN'),
      LOGFLARE_PRIVATE_ACCESS_TOKEN: envRef('LOGFLARE_PRIVATE_ACCESS_TOKEN'),
      ...(context.enableLogs ? { LOGFLARE_URL: 'http://analytics:4000' } : {}),
      NEXT_PUBLIC_ENABLE_LOGS: String(context.enableLogs),
      NEXT_ANALYTICS_BACKEND_PROVIDER: 'postgres',
      SNIPPETS_MANAGEMENT_FOLDER: '/app/snippets',
      EDGE_FUNCTIONS_MANAGEMENT_FOLDER: '/app/edge-functions',
    },
    volumes: ['./volumes/snippets:/app/snippets:Z', './volumes/functions:/app/edge-functions:Z'],
  }),
};
