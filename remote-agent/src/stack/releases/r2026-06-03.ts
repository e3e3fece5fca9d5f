import type { StackRelease } from './schema';

/**
 * The official self-hosting kit of 2026-06-03 (docker/versions.md), Postgres kept on 15: the
 * kit moved its default to Postgres 17 on 2026-06-17 and ships `docker-compose.pg15.yml`
 * pinning `supabase/postgres:15.8.1.085` for existing 15 data. How each tag was checked:
 * docs/stack-releases.md.
 */
export const RELEASE_2026_06_03: StackRelease = {
  id: '2026.06.03',
  date: '2026-06-03',
  kit: {
    source:
      'supabase/supabase docker/versions.md 2026-06-03 with docker-compose.pg15.yml (Postgres 15)',
  },
  notes: [
    'Kong 3.9.1 (kong/kong) replaces Kong 2.8.1; the routes and consumers are unchanged.',
    'Auth v2.189.0, PostgREST v14.12, Realtime v2.102.3, Storage v1.60.4, Studio 2026.06.03.',
    'Edge runtime v1.74.0, postgres-meta v0.96.6, Supavisor 2.9.5, Logflare 1.43.1.',
    'Postgres stays on 15.8.1.085: a major version change is a separate, explicit operation.',
  ],
  images: {
    studio: 'supabase/studio:2026.06.03-sha-0bca601',
    kong: 'kong/kong:3.9.1',
    auth: 'supabase/gotrue:v2.189.0',
    rest: 'postgrest/postgrest:v14.12',
    realtime: 'supabase/realtime:v2.102.3',
    storage: 'supabase/storage-api:v1.60.4',
    imgproxy: 'darthsim/imgproxy:v3.30.1',
    meta: 'supabase/postgres-meta:v0.96.6',
    functions: 'supabase/edge-runtime:v1.74.0',
    analytics: 'supabase/logflare:1.43.1',
    db: 'supabase/postgres:15.8.1.085',
    vector: 'timberio/vector:0.53.0-alpine',
    supavisor: 'supabase/supavisor:2.9.5',
  },
};
