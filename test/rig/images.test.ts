// The stand-in images run the self-hosting kit's stack for real: a compose project shaped like
// the kit's docker-compose.yml (same service names, ports, environment variable names, mounts,
// entrypoints, commands and healthcheck commands; only the intervals are shorter), started with
// docker-compose v1, must become healthy, answer through Kong and through the pooler, stop
// within seconds, and leave nothing behind.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt, type JwtClaims } from '@common/jwt';
import { ensureStandinImages, type StandinImages } from './images';

const run = promisify(execFile);

const project = `ubtest_${randomBytes(4).toString('hex')}`;
const password = randomBytes(16).toString('hex');
const jwtSecret = randomBytes(24).toString('hex');
const tenant = `tenant-${randomBytes(3).toString('hex')}`;
const anonKey = apiKey({ role: 'anon' });
const serviceKey = apiKey({ role: 'service_role' });
const dashboard = { user: 'supabase', password: randomBytes(8).toString('hex') };

let dir = '';
let built: StandinImages;
const ports = { kongHttp: 0, kongHttps: 0, db: 0, poolerSession: 0, poolerTransaction: 0 };

/** A key as the kit's generator makes them, valid for an hour. */
function apiKey(claims: JwtClaims, secret = jwtSecret): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt({ ...claims, iss: 'supabase', iat: now, exp: now + 3600 }, secret);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function compose(...args: string[]): Promise<string> {
  const { stdout } = await run('docker-compose', ['-p', project, ...args], {
    cwd: dir,
    maxBuffer: 16 << 20,
  });
  return stdout;
}

/**
 * `compose down -v`, again when the engine says the network still has active endpoints: the
 * containers are gone but dockerd has not yet released their endpoints (seen once in CI).
 * Anything else fails at once; the test still checks that nothing is left.
 */
async function composeDown(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await compose('down', '-v', '--remove-orphans');
      return;
    } catch (err) {
      if (attempt >= 5 || !String(err).includes('has active endpoints')) throw err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 16 << 20 });
  return stdout.trim();
}

async function psql(port: number, user: string, sql: string, pass = password): Promise<string> {
  const { stdout } = await run(
    'psql',
    ['-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', 'postgres', '-Atc', sql],
    { env: { ...process.env, PGPASSWORD: pass, PGCONNECT_TIMEOUT: '5' } },
  );
  return stdout.trim();
}

async function kong(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${ports.kongHttp}${path}`, { headers, redirect: 'manual' });
}

interface ContainerState {
  name: string;
  status: string;
  exitCode: number;
  health: string;
}

async function containerStates(): Promise<ContainerState[]> {
  const ids = (await docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`))
    .split('\n')
    .filter(Boolean);
  if (ids.length === 0) return [];
  const format =
    '{{.Name}} {{.State.Status}} {{.State.ExitCode}} {{if .State.Health}}{{.State.Health.Status}}{{end}}';
  const out = await docker('inspect', '--format', format, ...ids);
  return out.split('\n').map((line) => {
    const [name = '', status = '', exitCode = '', health = ''] = line.trim().split(' ');
    return { name: name.replace(/^\//, ''), status, exitCode: Number(exitCode), health };
  });
}

async function waitUntilHealthy(expected: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let states: ContainerState[] = [];
  while (Date.now() < deadline) {
    states = await containerStates();
    const ready = states.filter(
      (s) => s.status === 'running' && (s.health === '' || s.health === 'healthy'),
    );
    const broken = states.filter((s) => s.status === 'exited');
    if (broken.length > 0) break;
    if (states.length === expected && ready.length === expected) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  const logs = await compose('logs', '--no-color', '--tail', '15').catch((e: Error) => e.message);
  throw new Error(`stack not healthy: ${JSON.stringify(states)}\n${logs}`);
}

/** A kit-shaped compose file. The SQL files are small equivalents of the kit's volumes/db/*.sql. */
function writeProject(images: Record<string, string>): number {
  const image = (name: string): string => {
    const tag = images[name];
    if (!tag) throw new Error(`no stand-in for ${name}`);
    return tag;
  };
  const files: Record<string, string> = {
    'volumes/db/roles.sql': [
      '\\set pgpass `echo "$PGPASSWORD"`',
      "ALTER USER supabase_admin WITH PASSWORD :'pgpass';",
      "ALTER USER authenticator WITH PASSWORD :'pgpass';",
      "ALTER USER pgbouncer WITH PASSWORD :'pgpass';",
      "ALTER USER supabase_auth_admin WITH PASSWORD :'pgpass';",
      "ALTER USER supabase_storage_admin WITH PASSWORD :'pgpass';",
    ].join('\n'),
    'volumes/db/jwt.sql': [
      '\\set jwt_secret `echo "$JWT_SECRET"`',
      '\\set jwt_exp `echo "$JWT_EXP"`',
      `ALTER DATABASE postgres SET "app.settings.jwt_secret" TO :'jwt_secret';`,
      `ALTER DATABASE postgres SET "app.settings.jwt_exp" TO :'jwt_exp';`,
    ].join('\n'),
    'volumes/db/webhooks.sql': [
      'BEGIN;',
      'CREATE EXTENSION IF NOT EXISTS pg_net SCHEMA extensions;',
      'CREATE SCHEMA supabase_functions AUTHORIZATION supabase_admin;',
      'ALTER FUNCTION net.http_get(url text, params jsonb, headers jsonb, timeout_milliseconds integer) SECURITY DEFINER;',
      'ALTER FUNCTION net.http_post(url text, body jsonb, params jsonb, headers jsonb, timeout_milliseconds integer) SECURITY DEFINER;',
      'GRANT USAGE ON SCHEMA net TO supabase_functions_admin, postgres, anon, authenticated, service_role;',
      'COMMIT;',
    ].join('\n'),
    'volumes/db/_supabase.sql': [
      '\\set pguser `echo "$POSTGRES_USER"`',
      "SELECT 'CREATE DATABASE postgres WITH OWNER ' || :'pguser'",
      "WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'postgres')\\gexec",
      'CREATE DATABASE _supabase WITH OWNER :pguser;',
    ].join('\n'),
    'volumes/db/realtime.sql': [
      '\\set pguser `echo "$POSTGRES_USER"`',
      'create schema if not exists _realtime;',
      'alter schema _realtime owner to :pguser;',
    ].join('\n'),
    'volumes/db/logs.sql': [
      '\\set pguser `echo "$POSTGRES_USER"`',
      '\\c _supabase',
      'create schema if not exists _analytics;',
      'alter schema _analytics owner to :pguser;',
    ].join('\n'),
    'volumes/db/pooler.sql': [
      '\\set pguser `echo "$POSTGRES_USER"`',
      '\\c _supabase',
      'create schema if not exists _supavisor;',
      'alter schema _supavisor owner to :pguser;',
    ].join('\n'),
    'volumes/api/kong.yml': [
      "_format_version: '2.1'",
      'consumers:',
      '  - username: anon',
      '    keyauth_credentials:',
      '      - key: $SUPABASE_ANON_KEY',
    ].join('\n'),
    'volumes/pooler/pooler.exs': '{:ok, _} = Application.ensure_all_started(:supavisor)',
    'volumes/logs/vector.yml': 'api:\n  enabled: true\n  address: 0.0.0.0:9001\n',
    'volumes/functions/main/index.ts': 'Deno.serve(() => new Response("main"));',
    'volumes/functions/hello/index.ts': 'Deno.serve(() => new Response("hello"));',
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content + '\n');
  }
  mkdirSync(join(dir, 'volumes/db/data'), { recursive: true });
  mkdirSync(join(dir, 'volumes/storage'), { recursive: true });

  const env: Record<string, string | number> = {
    POSTGRES_PASSWORD: password,
    POSTGRES_HOST: 'db',
    POSTGRES_DB: 'postgres',
    POSTGRES_PORT: 5432,
    JWT_SECRET: jwtSecret,
    JWT_EXPIRY: 3600,
    ANON_KEY: anonKey,
    SERVICE_ROLE_KEY: serviceKey,
    DASHBOARD_USERNAME: dashboard.user,
    DASHBOARD_PASSWORD: dashboard.password,
    SECRET_KEY_BASE: randomBytes(32).toString('hex'),
    VAULT_ENC_KEY: randomBytes(16).toString('hex'),
    PG_META_CRYPTO_KEY: randomBytes(16).toString('hex'),
    LOGFLARE_PUBLIC_ACCESS_TOKEN: randomBytes(16).toString('hex'),
    LOGFLARE_PRIVATE_ACCESS_TOKEN: randomBytes(16).toString('hex'),
    POOLER_TENANT_ID: tenant,
    KONG_HTTP_PORT: ports.kongHttp,
    KONG_HTTPS_PORT: ports.kongHttps,
    POOLER_PROXY_PORT_TRANSACTION: ports.poolerTransaction,
    POOLER_SESSION_PORT: ports.poolerSession,
    DB_PUBLISHED_PORT: ports.db,
  };
  writeFileSync(
    join(dir, '.env'),
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );

  const check = (test: string[], extra: Record<string, string> = {}) => ({
    test,
    interval: '3s',
    timeout: '5s',
    retries: 10,
    start_period: '120s',
    ...extra,
  });
  const spider = (url: string) =>
    check(['CMD', 'wget', '--no-verbose', '--tries=1', '--spider', url]);
  // No depends_on: everything starts at once (faster), and the stand-ins report unhealthy until
  // the database answers, as the real services do.
  const services: Record<string, Record<string, unknown>> = {
    studio: {
      image: image('supabase/studio'),
      healthcheck: check(
        [
          'CMD',
          'node',
          '-e',
          "fetch('http://studio:3000/api/platform/profile').then((r) => {if (r.status !== 200) throw new Error(r.status)})",
        ],
        { timeout: '10s' },
      ),
      environment: {
        HOSTNAME: '0.0.0.0',
        STUDIO_PG_META_URL: 'http://meta:8080',
        POSTGRES_PASSWORD: '${POSTGRES_PASSWORD}',
        SUPABASE_URL: 'http://kong:8000',
        SUPABASE_ANON_KEY: '${ANON_KEY}',
        SUPABASE_SERVICE_KEY: '${SERVICE_ROLE_KEY}',
        AUTH_JWT_SECRET: '${JWT_SECRET}',
        LOGFLARE_URL: 'http://analytics:4000',
      },
    },
    kong: {
      image: image('kong'),
      ports: ['127.0.0.1:${KONG_HTTP_PORT}:8000/tcp', '127.0.0.1:${KONG_HTTPS_PORT}:8443/tcp'],
      volumes: ['./volumes/api/kong.yml:/home/kong/temp.yml:ro,z'],
      environment: {
        KONG_DATABASE: 'off',
        KONG_DECLARATIVE_CONFIG: '/home/kong/kong.yml',
        KONG_DNS_ORDER: 'LAST,A,CNAME',
        KONG_PLUGINS: 'request-transformer,cors,key-auth,acl,basic-auth',
        KONG_NGINX_PROXY_PROXY_BUFFER_SIZE: '160k',
        KONG_NGINX_PROXY_PROXY_BUFFERS: '64 160k',
        KONG_NGINX_WORKER_PROCESSES: '2',
        SUPABASE_ANON_KEY: '${ANON_KEY}',
        SUPABASE_SERVICE_KEY: '${SERVICE_ROLE_KEY}',
        DASHBOARD_USERNAME: '${DASHBOARD_USERNAME}',
        DASHBOARD_PASSWORD: '${DASHBOARD_PASSWORD}',
      },
      entrypoint:
        'bash -c \'eval "echo \\"$$(cat ~/temp.yml)\\"" > ~/kong.yml && /docker-entrypoint.sh kong docker-start\'',
    },
    auth: {
      image: image('supabase/gotrue'),
      healthcheck: spider('http://localhost:9999/health'),
      environment: {
        GOTRUE_API_HOST: '0.0.0.0',
        GOTRUE_API_PORT: 9999,
        GOTRUE_DB_DRIVER: 'postgres',
        GOTRUE_DB_DATABASE_URL:
          'postgres://supabase_auth_admin:${POSTGRES_PASSWORD}@${POSTGRES_HOST}:${POSTGRES_PORT}/${POSTGRES_DB}',
        GOTRUE_JWT_SECRET: '${JWT_SECRET}',
        GOTRUE_JWT_EXP: '${JWT_EXPIRY}',
      },
    },
    rest: {
      image: image('postgrest/postgrest'),
      environment: {
        PGRST_DB_URI:
          'postgres://authenticator:${POSTGRES_PASSWORD}@${POSTGRES_HOST}:${POSTGRES_PORT}/${POSTGRES_DB}',
        PGRST_DB_SCHEMAS: 'public,storage,graphql_public',
        PGRST_DB_ANON_ROLE: 'anon',
        PGRST_JWT_SECRET: '${JWT_SECRET}',
        PGRST_DB_USE_LEGACY_GUCS: 'false',
      },
      command: ['postgrest'],
    },
    realtime: {
      image: image('supabase/realtime'),
      networks: { default: { aliases: ['realtime-dev.supabase-realtime'] } },
      healthcheck: check([
        'CMD-SHELL',
        'curl -sSfL --head -o /dev/null -H "Authorization: Bearer ${ANON_KEY}" http://localhost:4000/api/tenants/realtime-dev/health',
      ]),
      environment: {
        PORT: 4000,
        DB_HOST: '${POSTGRES_HOST}',
        DB_PORT: '${POSTGRES_PORT}',
        DB_USER: 'supabase_admin',
        DB_PASSWORD: '${POSTGRES_PASSWORD}',
        DB_NAME: '${POSTGRES_DB}',
        DB_AFTER_CONNECT_QUERY: 'SET search_path TO _realtime',
        DB_ENC_KEY: 'supabaserealtime',
        API_JWT_SECRET: '${JWT_SECRET}',
        SECRET_KEY_BASE: '${SECRET_KEY_BASE}',
        SEED_SELF_HOST: 'true',
      },
    },
    storage: {
      image: image('supabase/storage-api'),
      healthcheck: spider('http://storage:5000/status'),
      environment: {
        ANON_KEY: '${ANON_KEY}',
        SERVICE_KEY: '${SERVICE_ROLE_KEY}',
        POSTGREST_URL: 'http://rest:3000',
        PGRST_JWT_SECRET: '${JWT_SECRET}',
        DATABASE_URL:
          'postgres://supabase_storage_admin:${POSTGRES_PASSWORD}@${POSTGRES_HOST}:${POSTGRES_PORT}/${POSTGRES_DB}',
        STORAGE_BACKEND: 'file',
        FILE_STORAGE_BACKEND_PATH: '/var/lib/storage',
        IMGPROXY_URL: 'http://imgproxy:5001',
      },
      volumes: ['./volumes/storage:/var/lib/storage:z'],
    },
    imgproxy: {
      image: image('darthsim/imgproxy'),
      volumes: ['./volumes/storage:/var/lib/storage:z'],
      healthcheck: check(['CMD', 'imgproxy', 'health']),
      environment: { IMGPROXY_BIND: ':5001', IMGPROXY_LOCAL_FILESYSTEM_ROOT: '/' },
    },
    meta: {
      image: image('supabase/postgres-meta'),
      environment: {
        PG_META_PORT: 8080,
        PG_META_DB_HOST: '${POSTGRES_HOST}',
        PG_META_DB_PORT: '${POSTGRES_PORT}',
        PG_META_DB_NAME: '${POSTGRES_DB}',
        PG_META_DB_USER: 'supabase_admin',
        PG_META_DB_PASSWORD: '${POSTGRES_PASSWORD}',
        CRYPTO_KEY: '${PG_META_CRYPTO_KEY}',
      },
    },
    functions: {
      image: image('supabase/edge-runtime'),
      volumes: ['./volumes/functions:/home/deno/functions:Z'],
      environment: {
        JWT_SECRET: '${JWT_SECRET}',
        SUPABASE_URL: 'http://kong:8000',
        SUPABASE_ANON_KEY: '${ANON_KEY}',
        SUPABASE_SERVICE_ROLE_KEY: '${SERVICE_ROLE_KEY}',
        VERIFY_JWT: 'false',
      },
      command: ['start', '--main-service', '/home/deno/functions/main'],
    },
    analytics: {
      image: image('supabase/logflare'),
      healthcheck: check(['CMD', 'curl', 'http://localhost:4000/health']),
      environment: {
        LOGFLARE_NODE_HOST: '127.0.0.1',
        DB_USERNAME: 'supabase_admin',
        DB_DATABASE: '_supabase',
        DB_HOSTNAME: '${POSTGRES_HOST}',
        DB_PORT: '${POSTGRES_PORT}',
        DB_PASSWORD: '${POSTGRES_PASSWORD}',
        DB_SCHEMA: '_analytics',
        LOGFLARE_PUBLIC_ACCESS_TOKEN: '${LOGFLARE_PUBLIC_ACCESS_TOKEN}',
        LOGFLARE_PRIVATE_ACCESS_TOKEN: '${LOGFLARE_PRIVATE_ACCESS_TOKEN}',
      },
    },
    db: {
      image: image('supabase/postgres'),
      ports: ['127.0.0.1:${DB_PUBLISHED_PORT}:5432'],
      volumes: [
        './volumes/db/realtime.sql:/docker-entrypoint-initdb.d/migrations/99-realtime.sql:Z',
        './volumes/db/webhooks.sql:/docker-entrypoint-initdb.d/init-scripts/98-webhooks.sql:Z',
        './volumes/db/roles.sql:/docker-entrypoint-initdb.d/init-scripts/99-roles.sql:Z',
        './volumes/db/jwt.sql:/docker-entrypoint-initdb.d/init-scripts/99-jwt.sql:Z',
        './volumes/db/data:/var/lib/postgresql/data:Z',
        './volumes/db/_supabase.sql:/docker-entrypoint-initdb.d/migrations/97-_supabase.sql:Z',
        './volumes/db/logs.sql:/docker-entrypoint-initdb.d/migrations/99-logs.sql:Z',
        './volumes/db/pooler.sql:/docker-entrypoint-initdb.d/migrations/99-pooler.sql:Z',
        'db-config:/etc/postgresql-custom',
      ],
      healthcheck: check(['CMD', 'pg_isready', '-U', 'postgres', '-h', 'localhost']),
      environment: {
        POSTGRES_HOST: '/var/run/postgresql',
        PGPORT: '${POSTGRES_PORT}',
        POSTGRES_PORT: '${POSTGRES_PORT}',
        PGPASSWORD: '${POSTGRES_PASSWORD}',
        POSTGRES_PASSWORD: '${POSTGRES_PASSWORD}',
        PGDATABASE: '${POSTGRES_DB}',
        POSTGRES_DB: '${POSTGRES_DB}',
        JWT_SECRET: '${JWT_SECRET}',
        JWT_EXP: '${JWT_EXPIRY}',
      },
      command: [
        'postgres',
        '-c',
        'config_file=/etc/postgresql/postgresql.conf',
        '-c',
        'log_min_messages=fatal',
      ],
    },
    vector: {
      image: image('timberio/vector'),
      volumes: [
        './volumes/logs/vector.yml:/etc/vector/vector.yml:ro,z',
        '/var/run/docker.sock:/var/run/docker.sock:ro,z',
      ],
      healthcheck: spider('http://vector:9001/health'),
      environment: { LOGFLARE_PUBLIC_ACCESS_TOKEN: '${LOGFLARE_PUBLIC_ACCESS_TOKEN}' },
      command: ['--config', '/etc/vector/vector.yml'],
    },
    supavisor: {
      image: image('supabase/supavisor'),
      ports: [
        '127.0.0.1:${POOLER_SESSION_PORT}:5432',
        '127.0.0.1:${POOLER_PROXY_PORT_TRANSACTION}:6543',
      ],
      volumes: ['./volumes/pooler/pooler.exs:/etc/pooler/pooler.exs:ro,z'],
      healthcheck: check([
        'CMD',
        'curl',
        '-sSfL',
        '--head',
        '-o',
        '/dev/null',
        'http://127.0.0.1:4000/api/health',
      ]),
      environment: {
        PORT: 4000,
        POSTGRES_PORT: '${POSTGRES_PORT}',
        POSTGRES_DB: '${POSTGRES_DB}',
        POSTGRES_PASSWORD: '${POSTGRES_PASSWORD}',
        DATABASE_URL:
          'ecto://supabase_admin:${POSTGRES_PASSWORD}@${POSTGRES_HOST}:${POSTGRES_PORT}/_supabase',
        CLUSTER_POSTGRES: 'true',
        SECRET_KEY_BASE: '${SECRET_KEY_BASE}',
        VAULT_ENC_KEY: '${VAULT_ENC_KEY}',
        API_JWT_SECRET: '${JWT_SECRET}',
        METRICS_JWT_SECRET: '${JWT_SECRET}',
        REGION: 'local',
        POOLER_TENANT_ID: '${POOLER_TENANT_ID}',
        POOLER_POOL_MODE: 'transaction',
      },
      command: [
        '/bin/sh',
        '-c',
        '/app/bin/migrate && /app/bin/supavisor eval "$$(cat /etc/pooler/pooler.exs)" && /app/bin/server',
      ],
    },
  };
  // JSON is YAML, so the compose file needs no YAML library; docker-compose still interpolates
  // ${…} from .env.
  writeFileSync(
    join(dir, 'docker-compose.yml'),
    JSON.stringify({ services, volumes: { 'db-config': {} } }, null, 2),
  );
  return Object.keys(services).length;
}

describe('stand-in images', () => {
  let serviceCount = 0;

  beforeAll(async () => {
    const t = Date.now();
    built = await ensureStandinImages();
    const images = Date.now() - t;
    dir = mkdtempSync(join(tmpdir(), 'ubtest-images-'));
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    serviceCount = writeProject(built.images);
    const t0 = Date.now();
    await compose('up', '-d');
    const t1 = Date.now();
    await waitUntilHealthy(serviceCount, 240_000);
    console.log(
      `stand-in stack: images ${images} ms, up ${t1 - t0} ms, healthy ${Date.now() - t1} ms`,
    );
  });

  afterAll(async () => {
    if (!dir) return;
    await compose('down', '-v', '--remove-orphans', '--timeout', '5').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('maps every official image of the kit, the proxy, and the fault images', () => {
    expect(Object.keys(built.images).sort()).toEqual(
      [
        // Not a kit service: the per-server reverse proxy of custom domains (proxy/).
        'caddy',
        'darthsim/imgproxy',
        'kong',
        'kong/kong',
        'postgrest/postgrest',
        'supabase/edge-runtime',
        'supabase/gotrue',
        'supabase/logflare',
        'supabase/postgres',
        'supabase/postgres-meta',
        'supabase/realtime',
        'supabase/storage-api',
        'supabase/studio',
        'supabase/supavisor',
        'timberio/vector',
      ].sort(),
    );
    expect(Object.keys(built.extra).sort()).toEqual(['crashloop', 'hang', 'unhealthy']);
  });

  it('brings up every service of the kit, healthy by the kit’s own healthchecks', async () => {
    const states = await containerStates();
    expect(states).toHaveLength(serviceCount);
    for (const s of states) {
      expect(s.status, s.name).toBe('running');
      expect(['healthy', ''], s.name).toContain(s.health);
    }
    // Every service of the kit that has a healthcheck there (all but rest, meta, functions);
    // kong's comes from its image (`kong health`).
    expect(states.filter((s) => s.health === 'healthy')).toHaveLength(serviceCount - 3);
  });

  it('lets the instance password log in to Postgres through the db port, and nothing else', async () => {
    expect(await psql(ports.db, 'postgres', 'SELECT 1')).toBe('1');
    expect(await psql(ports.db, 'supabase_admin', 'SELECT 1')).toBe('1');
    expect(await psql(ports.db, 'authenticator', 'SELECT 1')).toBe('1');
    await expect(psql(ports.db, 'postgres', 'SELECT 1', 'wrong-password')).rejects.toThrow(
      /password authentication failed/,
    );
    const schemas = await psql(
      ports.db,
      'postgres',
      "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace",
    );
    for (const s of [
      'auth',
      'storage',
      'extensions',
      'realtime',
      '_realtime',
      'supabase_functions',
    ]) {
      expect(schemas.split(',')).toContain(s);
    }
    expect(
      await psql(
        ports.db,
        'supabase_admin',
        "SELECT rolsuper FROM pg_roles WHERE rolname = 'postgres'",
      ),
    ).toBe('f');
  });

  it('forwards the pooler ports to Postgres, with the tenant in the user name', async () => {
    expect(await psql(ports.poolerSession, `postgres.${tenant}`, 'SELECT 1')).toBe('1');
    expect(await psql(ports.poolerTransaction, `postgres.${tenant}`, 'SELECT 1')).toBe('1');
    await expect(psql(ports.poolerSession, 'postgres', 'SELECT 1')).rejects.toThrow(
      /Tenant or user not found/,
    );
  });

  it('routes through Kong with key-auth, ACLs and basic-auth like the kit’s kong.yml', async () => {
    expect((await kong('/auth/v1/health')).status).toBe(401);
    expect((await kong('/auth/v1/health', { apikey: 'not-a-key' })).status).toBe(401);
    const health = await kong('/auth/v1/health', { apikey: anonKey });
    expect(health.status).toBe(200);
    expect(((await health.json()) as { name: string }).name).toBe('GoTrue');

    await psql(
      ports.db,
      'postgres',
      "CREATE TABLE public.notes (id int PRIMARY KEY, body text); INSERT INTO public.notes VALUES (1, 'kept')",
    );
    const rows = await kong('/rest/v1/notes', { apikey: anonKey });
    expect(rows.status).toBe(200);
    expect(await rows.json()).toEqual([{ id: 1, body: 'kept' }]);
    const forged = apiKey({ role: 'service_role' }, 'not-the-secret');
    expect(
      (await kong('/rest/v1/notes', { apikey: anonKey, authorization: `Bearer ${forged}` })).status,
    ).toBe(401);

    expect((await kong('/pg/health', { apikey: anonKey })).status).toBe(403);
    expect((await kong('/pg/health', { apikey: serviceKey })).status).toBe(200);
    expect((await kong('/storage/v1/status')).status).toBe(200);
    expect((await kong('/functions/v1/hello')).status).toBe(200);
    expect((await kong('/realtime/v1/api/tenants')).status).toBe(403);
    expect((await kong('/realtime/v1/api/openapi', { apikey: serviceKey })).status).toBe(403);

    expect((await kong('/')).status).toBe(401);
    const basic =
      'Basic ' + Buffer.from(`${dashboard.user}:${dashboard.password}`).toString('base64');
    expect((await kong('/api/platform/profile', { authorization: basic })).status).toBe(200);

    // Realtime's websocket, through Kong to the realtime-dev.supabase-realtime alias.
    const upgraded = await new Promise<number>((resolve, reject) => {
      const path = `/realtime/v1/websocket?apikey=${anonKey}&vsn=1.0.0`;
      const req = httpRequest({
        host: '127.0.0.1',
        port: ports.kongHttp,
        path,
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': randomBytes(16).toString('base64'),
        },
      });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve(res.statusCode ?? 0);
      });
      req.on('response', (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      req.end();
    });
    expect(upgraded).toBe(101);

    const tls = await new Promise<number>((resolve, reject) => {
      request(
        {
          host: '127.0.0.1',
          port: ports.kongHttps,
          path: '/auth/v1/health',
          headers: { apikey: anonKey },
          rejectUnauthorized: false,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on('error', reject)
        .end();
    });
    expect(tls).toBe(200);
  });

  it('logs a line per request', async () => {
    const auth = await docker(
      'ps',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--filter',
      'label=com.docker.compose.service=auth',
    );
    const { stdout, stderr } = await run('docker', ['logs', auth]);
    expect(stdout).toMatch(/GET \/health 200/);
    expect(stderr).toMatch(/stand-in for gotrue/);
  });

  it('stops every container on its stop signal, and down -v leaves nothing', async () => {
    // Within the 3 s grace nobody is killed: every container exits 0 on its own. (One docker
    // call stops them in parallel; compose v1 takes longer for the same.)
    const ids = await docker('ps', '-q', '--filter', `label=com.docker.compose.project=${project}`);
    await docker('stop', '--time', '3', ...ids.split('\n').filter(Boolean));
    for (const s of await containerStates()) {
      expect([s.name, s.status, s.exitCode]).toEqual([s.name, 'exited', 0]);
    }

    await composeDown();
    const filter = `label=com.docker.compose.project=${project}`;
    expect(await docker('ps', '-aq', '--filter', filter)).toBe('');
    expect(await docker('network', 'ls', '-q', '--filter', filter)).toBe('');
    expect(await docker('volume', 'ls', '-q', '--filter', filter)).toBe('');
  });

  it('has fault images: crashloop exits 1 after a second, unhealthy answers 503', async () => {
    const label = `com.docker.compose.project=${project}`;
    const crash = await docker('run', '-d', '--label', label, built.extra.crashloop ?? '');
    const sick = await docker('run', '-d', '--label', label, built.extra.unhealthy ?? '');
    try {
      expect(await docker('wait', crash)).toBe('1');
      const probe =
        "fetch('http://localhost:9999/health').then(async (r) => console.log(r.status, await r.text()))";
      let body = '';
      for (let i = 0; i < 60 && !body.includes('STANDIN_FAULT'); i++) {
        body = await docker('exec', sick, 'node', '-e', probe).catch(() => '');
        if (!body) await new Promise((r) => setTimeout(r, 500));
      }
      expect(body).toMatch(/^503 /);
      expect(body).toContain('unhealthy');
      await expect(
        docker('exec', sick, 'wget', '-q', '--spider', 'http://localhost:9999/health'),
      ).rejects.toThrow();
    } finally {
      await docker('rm', '-f', crash, sick);
    }
  });
});
