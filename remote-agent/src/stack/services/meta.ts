import { envRef } from '../env';
import type { ServiceDefinition } from './definition';
import {
  analyticsHealthy,
  DB_HEALTHY,
  DB_HOST,
  DB_NAME,
  DB_PORT,
  dependsOn,
  SECRET,
} from './shared';

export const meta: ServiceDefinition = {
  name: 'meta',
  title: 'Postgres meta API',
  logsOnly: false,
  probe: { port: 8080, path: '/health' },
  gateway: {
    title: 'Postgres meta through Kong (service key)',
    path: '/pg/health',
    credential: 'service_role',
  },
  compose: (context) => ({
    depends_on: dependsOn(DB_HEALTHY, analyticsHealthy(context)),
    environment: {
      PG_META_PORT: '8080',
      PG_META_DB_HOST: DB_HOST,
      PG_META_DB_PORT: DB_PORT,
      PG_META_DB_NAME: DB_NAME,
      PG_META_DB_USER: 'supabase_admin',
      PG_META_DB_PASSWORD: SECRET.postgresPassword,
      CRYPTO_KEY: envRef('PG_META_CRYPTO_KEY'),
    },
  }),
};
