import type { ServiceDefinition } from './definition';
import { analyticsHealthy, DB_HEALTHY, dbUrl, dependsOn, JWT_EXPIRY, SECRET } from './shared';

export const rest: ServiceDefinition = {
  name: 'rest',
  title: 'REST (PostgREST)',
  logsOnly: false,
  probe: { port: 3000, path: '/' },
  gateway: { title: 'REST API through Kong (anon key)', path: '/rest/v1/', credential: 'anon' },
  compose: (context) => ({
    depends_on: dependsOn(DB_HEALTHY, analyticsHealthy(context)),
    environment: {
      PGRST_DB_URI: dbUrl('authenticator'),
      PGRST_DB_SCHEMAS: 'public,storage,graphql_public',
      PGRST_DB_MAX_ROWS: '1000',
      PGRST_DB_EXTRA_SEARCH_PATH: 'public',
      PGRST_DB_ANON_ROLE: 'anon',
      PGRST_JWT_SECRET: SECRET.jwtSecret,
      PGRST_DB_USE_LEGACY_GUCS: 'false',
      PGRST_APP_SETTINGS_JWT_SECRET: SECRET.jwtSecret,
      PGRST_APP_SETTINGS_JWT_EXP: JWT_EXPIRY,
    },
    command: ['postgrest'],
  }),
};
