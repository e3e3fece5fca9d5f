import { envRef } from '../env';
import type { ServiceDefinition } from './definition';
import { DB_HEALTHY, dbUrl, dependsOn, healthcheck, SECRET } from './shared';

export const storage: ServiceDefinition = {
  name: 'storage',
  title: 'Storage',
  logsOnly: false,
  healthcheck: healthcheck(
    ['CMD', 'wget', '--no-verbose', '--tries=1', '--spider', 'http://storage:5000/status'],
    { interval: '5s', timeout: '5s', retries: 3, start_period: '10s' },
  ),
  probe: { port: 5000, path: '/status' },
  gateway: { title: 'Storage through Kong', path: '/storage/v1/status', credential: 'anon' },
  compose: (context) => ({
    depends_on: dependsOn(DB_HEALTHY, {
      rest: { condition: 'service_started' },
      imgproxy: { condition: 'service_started' },
    }),
    environment: {
      ANON_KEY: SECRET.anonKey,
      SERVICE_KEY: SECRET.serviceRoleKey,
      POSTGREST_URL: 'http://rest:3000',
      PGRST_JWT_SECRET: SECRET.jwtSecret,
      DATABASE_URL: dbUrl('supabase_storage_admin'),
      STORAGE_PUBLIC_URL: context.publicUrl,
      REQUEST_ALLOW_X_FORWARDED_PATH: 'true',
      FILE_SIZE_LIMIT: '52428800',
      STORAGE_BACKEND: 'file',
      GLOBAL_S3_BUCKET: 'stub',
      FILE_STORAGE_BACKEND_PATH: '/var/lib/storage',
      TENANT_ID: 'stub',
      REGION: 'stub',
      ENABLE_IMAGE_TRANSFORMATION: 'true',
      IMGPROXY_URL: 'http://imgproxy:5001',
      S3_PROTOCOL_ACCESS_KEY_ID: envRef('S3_PROTOCOL_ACCESS_KEY_ID'),
      S3_PROTOCOL_ACCESS_KEY_SECRET: envRef('S3_PROTOCOL_ACCESS_KEY_SECRET'),
    },
    volumes: ['./volumes/storage:/var/lib/storage:z'],
  }),
};
