import type { StackRelease } from './schema';

/**
 * The agent's first pin (November 2026), kept unchanged: every project created before releases
 * existed runs exactly these images and renders byte-identical files, so it records this id.
 */
export const RELEASE_2026_02_16: StackRelease = {
  id: '2026.02.16',
  date: '2026-02-16',
  kit: {
    source:
      'supabase/supabase docker/docker-compose.yml, an intermediate commit after the 2026-02-16 kit',
  },
  notes: [
    'The first pinned stack of Ultrabase: Studio 2026.02.16, Kong 2.8.1, Postgres 15.8.1.085.',
  ],
  images: {
    studio: 'supabase/studio:2026.02.16-sha-26c615c',
    kong: 'kong:2.8.1',
    auth: 'supabase/gotrue:v2.186.0',
    rest: 'postgrest/postgrest:v14.5',
    realtime: 'supabase/realtime:v2.78.15',
    storage: 'supabase/storage-api:v1.44.2',
    imgproxy: 'darthsim/imgproxy:v3.30.1',
    meta: 'supabase/postgres-meta:v0.95.2',
    functions: 'supabase/edge-runtime:v1.70.3',
    analytics: 'supabase/logflare:1.31.2',
    db: 'supabase/postgres:15.8.1.085',
    vector: 'timberio/vector:0.53.0-alpine',
    supavisor: 'supabase/supavisor:2.7.4',
  },
};
