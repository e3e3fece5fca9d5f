import type { Exposure, InstancePorts } from '../protocol/types';
import { envRef } from './env';
import { resolveImage, STACK_VERSION } from './images';
import { stackServices, type StackServiceName } from './services';
import { publishAddress } from './urls';
import type { YamlValue } from './yaml';

export interface ComposeInput {
  instanceId: string;
  name: string;
  ports: InstancePorts;
  exposure: Exposure;
  /** Public base URL of Kong for this instance (browser-facing links, auth callbacks). */
  apiUrl: string;
  imageOverrides: Readonly<Record<string, string>>;
  enableLogs: boolean;
}

/**
 * Realtime derives its tenant from the first label of the host name it is called by, so Kong
 * must reach it as `realtime-dev.supabase-realtime`. The kit gets that name from a fixed
 * container_name, which would collide between instances; a network alias on the instance's
 * own network gives the same name with no collision.
 */
export const REALTIME_ALIAS = 'realtime-dev.supabase-realtime';

/** Labels on every container: the instance it belongs to and the kit it was rendered from. */
export const INSTANCE_LABEL = 'io.ultrabase.instance';
export const STACK_VERSION_LABEL = 'io.ultrabase.stack-version';

// Inside the instance network Postgres always listens on 5432; only host ports vary.
const DB_HOST = 'db';
const DB_PORT = '5432';
const DB_NAME = 'postgres';
const JWT_EXPIRY = '3600';

type Service = Record<string, YamlValue | undefined>;
type Env = Record<string, string>;
type Conditions = Record<string, { condition: string }>;

/** The compose document for one instance (a plain tree; `toYaml` writes it). */
export function composeDocument(input: ComposeInput): { [key: string]: YamlValue } {
  const { enableLogs } = input;
  const pw = envRef('POSTGRES_PASSWORD');
  const jwtSecret = envRef('JWT_SECRET');
  const anonKey = envRef('ANON_KEY');
  const serviceKey = envRef('SERVICE_ROLE_KEY');
  const dbUrl = (user: string, scheme = 'postgres', db = DB_NAME) =>
    `${scheme}://${user}:${pw}@${DB_HOST}:${DB_PORT}/${db}`;
  const dbHealthy: Conditions = { db: { condition: 'service_healthy' } };
  // With logs on, the kit holds services back until Logflare is up, so no early line is lost.
  const analyticsHealthy: Conditions = enableLogs
    ? { analytics: { condition: 'service_healthy' } }
    : {};
  const publicUrl = literal(input.apiUrl);

  const services: Partial<Record<StackServiceName, Service>> = {
    studio: {
      healthcheck: healthcheck(
        [
          'CMD',
          'node',
          '-e',
          "fetch('http://studio:3000/api/platform/profile').then((r) => {if (r.status !== 200) throw new Error(r.status)})",
        ],
        { interval: '5s', timeout: '10s', retries: 3 },
      ),
      depends_on: dependsOn(analyticsHealthy),
      environment: env({
        // Next.js listens on this address. The kit moved from '::' to 0.0.0.0: on a host booted
        // with IPv6 disabled, '::' cannot be bound and Studio never starts.
        HOSTNAME: '0.0.0.0',
        STUDIO_PG_META_URL: 'http://meta:8080',
        POSTGRES_PORT: DB_PORT,
        POSTGRES_HOST: DB_HOST,
        POSTGRES_DB: DB_NAME,
        POSTGRES_PASSWORD: pw,
        PG_META_CRYPTO_KEY: envRef('PG_META_CRYPTO_KEY'),
        PGRST_DB_SCHEMAS: 'public,storage,graphql_public',
        PGRST_DB_MAX_ROWS: '1000',
        PGRST_DB_EXTRA_SEARCH_PATH: 'public',
        DEFAULT_ORGANIZATION_NAME: 'Default Organization',
        DEFAULT_PROJECT_NAME: literal(input.name),
        SUPABASE_URL: 'http://kong:8000',
        SUPABASE_PUBLIC_URL: publicUrl,
        SUPABASE_ANON_KEY: anonKey,
        SUPABASE_SERVICE_KEY: serviceKey,
        AUTH_JWT_SECRET: jwtSecret,
        LOGFLARE_API_KEY: envRef('LOGFLARE_PUBLIC_ACCESS_TOKEN'),
        LOGFLARE_PUBLIC_ACCESS_TOKEN: envRef('LOGFLARE_PUBLIC_ACCESS_TOKEN'),
        LOGFLARE_PRIVATE_ACCESS_TOKEN: envRef('LOGFLARE_PRIVATE_ACCESS_TOKEN'),
        ...(enableLogs ? { LOGFLARE_URL: 'http://analytics:4000' } : {}),
        NEXT_PUBLIC_ENABLE_LOGS: String(enableLogs),
        NEXT_ANALYTICS_BACKEND_PROVIDER: 'postgres',
        SNIPPETS_MANAGEMENT_FOLDER: '/app/snippets',
        EDGE_FUNCTIONS_MANAGEMENT_FOLDER: '/app/edge-functions',
      }),
      volumes: ['./volumes/snippets:/app/snippets:Z', './volumes/functions:/app/edge-functions:Z'],
    },

    kong: {
      ports: [
        publish(input.exposure, input.ports.kongHttp, 8000),
        publish(input.exposure, input.ports.kongHttps, 8443),
      ],
      // The kit renders kong.yml at start with `eval` in a bash entrypoint; the agent renders it
      // itself, so Kong reads it directly and needs no shell.
      volumes: ['./volumes/api/kong.yml:/home/kong/kong.yml:ro,z'],
      healthcheck: healthcheck(['CMD', 'kong', 'health'], {
        interval: '5s',
        timeout: '5s',
        retries: 10,
      }),
      depends_on: dependsOn(analyticsHealthy),
      environment: env({
        KONG_DATABASE: 'off',
        KONG_DECLARATIVE_CONFIG: '/home/kong/kong.yml',
        // https://github.com/supabase/cli/issues/14
        KONG_DNS_ORDER: 'LAST,A,CNAME',
        KONG_PLUGINS:
          'request-transformer,cors,key-auth,acl,basic-auth,request-termination,ip-restriction',
        KONG_NGINX_PROXY_PROXY_BUFFER_SIZE: '160k',
        KONG_NGINX_PROXY_PROXY_BUFFERS: '64 160k',
        // Kong starts one nginx worker per CPU core, ~100 MB each: dozens of instances on a
        // many-core VPS would exhaust memory with gateways alone.
        KONG_NGINX_WORKER_PROCESSES: '2',
        // Kong reads the keys from kong.yml; the kit also hands them over as environment, and
        // tooling that inspects Kong (the test rig's stand-in, too) expects them there.
        SUPABASE_ANON_KEY: anonKey,
        SUPABASE_SERVICE_KEY: serviceKey,
        DASHBOARD_USERNAME: envRef('DASHBOARD_USERNAME'),
        DASHBOARD_PASSWORD: envRef('DASHBOARD_PASSWORD'),
      }),
    },

    auth: {
      healthcheck: healthcheck(
        ['CMD', 'wget', '--no-verbose', '--tries=1', '--spider', 'http://localhost:9999/health'],
        { interval: '5s', timeout: '5s', retries: 3 },
      ),
      depends_on: dependsOn({ ...dbHealthy, ...analyticsHealthy }),
      environment: env({
        GOTRUE_API_HOST: '0.0.0.0',
        GOTRUE_API_PORT: '9999',
        API_EXTERNAL_URL: publicUrl,
        GOTRUE_DB_DRIVER: 'postgres',
        GOTRUE_DB_DATABASE_URL: dbUrl('supabase_auth_admin'),
        // The site of the customer's own app; they change it in Auth settings.
        GOTRUE_SITE_URL: 'http://localhost:3000',
        GOTRUE_URI_ALLOW_LIST: '',
        GOTRUE_DISABLE_SIGNUP: 'false',
        GOTRUE_JWT_ADMIN_ROLES: 'service_role',
        GOTRUE_JWT_AUD: 'authenticated',
        GOTRUE_JWT_DEFAULT_GROUP_NAME: 'authenticated',
        GOTRUE_JWT_EXP: JWT_EXPIRY,
        GOTRUE_JWT_SECRET: jwtSecret,
        GOTRUE_EXTERNAL_EMAIL_ENABLED: 'true',
        GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED: 'false',
        GOTRUE_MAILER_AUTOCONFIRM: 'false',
        GOTRUE_SMTP_ADMIN_EMAIL: 'admin@example.com',
        GOTRUE_SMTP_HOST: 'supabase-mail',
        GOTRUE_SMTP_PORT: '2500',
        GOTRUE_SMTP_USER: 'fake_mail_user',
        GOTRUE_SMTP_PASS: 'fake_mail_password',
        GOTRUE_SMTP_SENDER_NAME: 'fake_sender',
        GOTRUE_MAILER_URLPATHS_INVITE: '/auth/v1/verify',
        GOTRUE_MAILER_URLPATHS_CONFIRMATION: '/auth/v1/verify',
        GOTRUE_MAILER_URLPATHS_RECOVERY: '/auth/v1/verify',
        GOTRUE_MAILER_URLPATHS_EMAIL_CHANGE: '/auth/v1/verify',
        GOTRUE_EXTERNAL_PHONE_ENABLED: 'true',
        GOTRUE_SMS_AUTOCONFIRM: 'true',
      }),
    },

    rest: {
      depends_on: dependsOn({ ...dbHealthy, ...analyticsHealthy }),
      environment: env({
        PGRST_DB_URI: dbUrl('authenticator'),
        PGRST_DB_SCHEMAS: 'public,storage,graphql_public',
        PGRST_DB_MAX_ROWS: '1000',
        PGRST_DB_EXTRA_SEARCH_PATH: 'public',
        PGRST_DB_ANON_ROLE: 'anon',
        PGRST_JWT_SECRET: jwtSecret,
        PGRST_DB_USE_LEGACY_GUCS: 'false',
        PGRST_APP_SETTINGS_JWT_SECRET: jwtSecret,
        PGRST_APP_SETTINGS_JWT_EXP: JWT_EXPIRY,
      }),
      command: ['postgrest'],
    },

    realtime: {
      networks: { default: { aliases: [REALTIME_ALIAS] } },
      depends_on: dependsOn({ ...dbHealthy, ...analyticsHealthy }),
      healthcheck: healthcheck(
        [
          'CMD-SHELL',
          `curl -sSfL --head -o /dev/null -H "Authorization: Bearer ${anonKey}" http://localhost:4000/api/tenants/realtime-dev/health`,
        ],
        // The kit checks every 30 s, which alone makes a new instance wait up to half a minute
        // to count as healthy; 5 s like the other services (health logging is off anyway).
        { interval: '5s', timeout: '5s', retries: 3, start_period: '10s' },
      ),
      environment: env({
        PORT: '4000',
        DB_HOST: DB_HOST,
        DB_PORT: DB_PORT,
        DB_USER: 'supabase_admin',
        DB_PASSWORD: pw,
        DB_NAME: DB_NAME,
        DB_AFTER_CONNECT_QUERY: 'SET search_path TO _realtime',
        // The kit ships the literal `supabaserealtime` here; each instance gets its own key.
        DB_ENC_KEY: envRef('REALTIME_DB_ENC_KEY'),
        API_JWT_SECRET: jwtSecret,
        SECRET_KEY_BASE: envRef('SECRET_KEY_BASE'),
        METRICS_JWT_SECRET: jwtSecret,
        ERL_AFLAGS: '-proto_dist inet_tcp',
        DNS_NODES: "''",
        RLIMIT_NOFILE: '10000',
        APP_NAME: 'realtime',
        SEED_SELF_HOST: 'true',
        RUN_JANITOR: 'true',
        DISABLE_HEALTHCHECK_LOGGING: 'true',
      }),
    },

    storage: {
      depends_on: dependsOn({
        ...dbHealthy,
        rest: { condition: 'service_started' },
        imgproxy: { condition: 'service_started' },
      }),
      healthcheck: healthcheck(
        ['CMD', 'wget', '--no-verbose', '--tries=1', '--spider', 'http://storage:5000/status'],
        { interval: '5s', timeout: '5s', retries: 3, start_period: '10s' },
      ),
      environment: env({
        ANON_KEY: anonKey,
        SERVICE_KEY: serviceKey,
        POSTGREST_URL: 'http://rest:3000',
        PGRST_JWT_SECRET: jwtSecret,
        DATABASE_URL: dbUrl('supabase_storage_admin'),
        STORAGE_PUBLIC_URL: publicUrl,
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
      }),
      volumes: ['./volumes/storage:/var/lib/storage:z'],
    },

    imgproxy: {
      volumes: ['./volumes/storage:/var/lib/storage:z'],
      healthcheck: healthcheck(['CMD', 'imgproxy', 'health'], {
        interval: '5s',
        timeout: '5s',
        retries: 3,
      }),
      environment: env({
        IMGPROXY_BIND: ':5001',
        IMGPROXY_LOCAL_FILESYSTEM_ROOT: '/',
        IMGPROXY_USE_ETAG: 'true',
        IMGPROXY_ENABLE_WEBP_DETECTION: 'true',
        IMGPROXY_MAX_SRC_RESOLUTION: '16.8',
      }),
    },

    meta: {
      depends_on: dependsOn({ ...dbHealthy, ...analyticsHealthy }),
      environment: env({
        PG_META_PORT: '8080',
        PG_META_DB_HOST: DB_HOST,
        PG_META_DB_PORT: DB_PORT,
        PG_META_DB_NAME: DB_NAME,
        PG_META_DB_USER: 'supabase_admin',
        PG_META_DB_PASSWORD: pw,
        CRYPTO_KEY: envRef('PG_META_CRYPTO_KEY'),
      }),
    },

    functions: {
      volumes: ['./volumes/functions:/home/deno/functions:Z', 'deno-cache:/root/.cache/deno'],
      depends_on: dependsOn(analyticsHealthy),
      environment: env({
        JWT_SECRET: jwtSecret,
        SUPABASE_URL: 'http://kong:8000',
        SUPABASE_PUBLIC_URL: publicUrl,
        SUPABASE_ANON_KEY: anonKey,
        SUPABASE_SERVICE_ROLE_KEY: serviceKey,
        SUPABASE_DB_URL: dbUrl('postgres', 'postgresql'),
        VERIFY_JWT: 'false',
      }),
      command: ['start', '--main-service', '/home/deno/functions/main'],
    },

    db: {
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
      ],
      healthcheck: healthcheck(['CMD', 'pg_isready', '-U', 'postgres', '-h', 'localhost'], {
        interval: '5s',
        timeout: '5s',
        retries: 10,
        // First start runs initdb and every migration: on a busy or small VPS that outlasts the
        // kit's 50 s of retries, db turns unhealthy and compose abandons every dependent.
        // Failures inside start_period do not count; the first success still counts at once.
        start_period: '180s',
      }),
      depends_on: dependsOn(enableLogs ? { vector: { condition: 'service_healthy' } } : {}),
      environment: env({
        POSTGRES_HOST: '/var/run/postgresql',
        PGPORT: DB_PORT,
        POSTGRES_PORT: DB_PORT,
        PGPASSWORD: pw,
        POSTGRES_PASSWORD: pw,
        PGDATABASE: DB_NAME,
        POSTGRES_DB: DB_NAME,
        JWT_SECRET: jwtSecret,
        JWT_EXP: JWT_EXPIRY,
      }),
      command: [
        'postgres',
        '-c',
        'config_file=/etc/postgresql/postgresql.conf',
        '-c',
        // Keeps Realtime's polling queries out of the logs.
        'log_min_messages=fatal',
      ],
    },

    supavisor: {
      ports: [
        // The kit publishes the pooler's session mode where people expect Postgres.
        publish(input.exposure, input.ports.postgres, 5432),
        publish(input.exposure, input.ports.poolerTransaction, 6543),
      ],
      volumes: ['./volumes/pooler/pooler.exs:/etc/pooler/pooler.exs:ro,z'],
      healthcheck: healthcheck(
        ['CMD', 'curl', '-sSfL', '--head', '-o', '/dev/null', 'http://127.0.0.1:4000/api/health'],
        { interval: '10s', timeout: '5s', retries: 5 },
      ),
      depends_on: dependsOn({ ...dbHealthy, ...analyticsHealthy }),
      environment: env({
        PORT: '4000',
        POSTGRES_PORT: DB_PORT,
        POSTGRES_DB: DB_NAME,
        POSTGRES_PASSWORD: pw,
        DATABASE_URL: dbUrl('supabase_admin', 'ecto', '_supabase'),
        CLUSTER_POSTGRES: 'true',
        SECRET_KEY_BASE: envRef('SECRET_KEY_BASE'),
        VAULT_ENC_KEY: envRef('VAULT_ENC_KEY'),
        API_JWT_SECRET: jwtSecret,
        METRICS_JWT_SECRET: jwtSecret,
        REGION: 'local',
        ERL_AFLAGS: '-proto_dist inet_tcp',
        POOLER_TENANT_ID: envRef('POOLER_TENANT_ID'),
        POOLER_DEFAULT_POOL_SIZE: '20',
        POOLER_MAX_CLIENT_CONN: '100',
        POOLER_POOL_MODE: 'transaction',
        DB_POOL_SIZE: '5',
      }),
      command: [
        '/bin/sh',
        '-c',
        '/app/bin/migrate && /app/bin/supavisor eval "$$(cat /etc/pooler/pooler.exs)" && /app/bin/server',
      ],
    },
  };

  if (enableLogs) {
    services.analytics = {
      healthcheck: healthcheck(['CMD', 'curl', 'http://localhost:4000/health'], {
        interval: '5s',
        timeout: '5s',
        retries: 10,
      }),
      depends_on: dependsOn(dbHealthy),
      environment: env({
        LOGFLARE_NODE_HOST: '127.0.0.1',
        DB_USERNAME: 'supabase_admin',
        DB_DATABASE: '_supabase',
        DB_HOSTNAME: DB_HOST,
        DB_PORT: DB_PORT,
        DB_PASSWORD: pw,
        DB_SCHEMA: '_analytics',
        LOGFLARE_PUBLIC_ACCESS_TOKEN: envRef('LOGFLARE_PUBLIC_ACCESS_TOKEN'),
        LOGFLARE_PRIVATE_ACCESS_TOKEN: envRef('LOGFLARE_PRIVATE_ACCESS_TOKEN'),
        LOGFLARE_SINGLE_TENANT: 'true',
        LOGFLARE_SUPABASE_MODE: 'true',
        POSTGRES_BACKEND_URL: dbUrl('supabase_admin', 'postgresql', '_supabase'),
        POSTGRES_BACKEND_SCHEMA: '_analytics',
        LOGFLARE_FEATURE_FLAG_OVERRIDE: 'multibackend=true',
      }),
    };
    services.vector = {
      volumes: [
        './volumes/logs/vector.yml:/etc/vector/vector.yml:ro,z',
        '/var/run/docker.sock:/var/run/docker.sock:ro,z',
      ],
      healthcheck: healthcheck(
        ['CMD', 'wget', '--no-verbose', '--tries=1', '--spider', 'http://vector:9001/health'],
        { interval: '5s', timeout: '5s', retries: 3 },
      ),
      environment: env({ LOGFLARE_PUBLIC_ACCESS_TOKEN: envRef('LOGFLARE_PUBLIC_ACCESS_TOKEN') }),
      command: ['--config', '/etc/vector/vector.yml'],
      security_opt: ['label=disable'],
    };
  }

  const rendered: Record<string, YamlValue> = {};
  for (const service of stackServices(enableLogs)) {
    const body = services[service.name];
    if (!body) throw new Error(`No compose definition for service ${service.name}`);
    rendered[service.name] = {
      image: resolveImage(service.name, input.imageOverrides),
      restart: 'unless-stopped',
      // A tiny init as PID 1 forwards SIGTERM and reaps children, so `stop` does not sit out
      // the 10 s timeout for processes (sh, node) that ignore signals as PID 1.
      init: true,
      labels: {
        [INSTANCE_LABEL]: input.instanceId,
        [STACK_VERSION_LABEL]: STACK_VERSION,
      },
      // Dozens of instances × a dozen services: unbounded json logs would fill the disk.
      logging: { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } },
      ...body,
    };
  }

  // No top-level `name:` and no `container_name`: the project name (`-p ub_<id>`) scopes
  // containers, the network and volumes, so instances side by side never collide.
  return { services: rendered, volumes: { 'db-config': {}, 'deno-cache': {} } };
}

function publish(exposure: Exposure, hostPort: number, containerPort: number): string {
  const address = publishAddress(exposure);
  return address
    ? `${address}:${hostPort}:${containerPort}/tcp`
    : `${hostPort}:${containerPort}/tcp`;
}

function healthcheck(
  test: string[],
  timing: { interval: string; timeout: string; retries: number; start_period?: string },
): YamlValue {
  return { test, ...timing };
}

function dependsOn(conditions: Conditions): YamlValue | undefined {
  return Object.keys(conditions).length > 0 ? conditions : undefined;
}

function env(values: Env): YamlValue {
  return values;
}

/** Compose interpolates `$` everywhere in the file; a literal value must escape it. */
function literal(text: string): string {
  return text.replaceAll('$', '$$$$');
}
