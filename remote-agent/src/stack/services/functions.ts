import type { ServiceDefinition } from './definition';
import { analyticsHealthy, dbUrl, dependsOn, SECRET } from './shared';

export const functions: ServiceDefinition = {
  name: 'functions',
  title: 'Edge functions',
  logsOnly: false,
  probe: { port: 9000, path: '/hello' },
  compose: (context) => ({
    volumes: ['./volumes/functions:/home/deno/functions:Z', 'deno-cache:/root/.cache/deno'],
    depends_on: dependsOn(analyticsHealthy(context)),
    environment: {
      JWT_SECRET: SECRET.jwtSecret,
      SUPABASE_URL: 'http://kong:8000',
      SUPABASE_PUBLIC_URL: context.publicUrl,
      SUPABASE_ANON_KEY: SECRET.anonKey,
      SUPABASE_SERVICE_ROLE_KEY: SECRET.serviceRoleKey,
      SUPABASE_DB_URL: dbUrl('postgres', 'postgresql'),
      VERIFY_JWT: 'false',
    },
    command: ['start', '--main-service', '/home/deno/functions/main'],
  }),
};
