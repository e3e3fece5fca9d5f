import { describe, expect, it } from 'vitest';
import { generateCredentials } from '../credentials/generate';
import { secretValues } from '../credentials/secrets';
import { ErrorCode } from '@protocol/error-codes';
import type { InstancePorts } from '@protocol/types';
import { composeDocument, INSTANCE_LABEL } from './compose';
import { ENV_NAMES } from './env';
import { StackError } from './stack-error';
import { imageName, STACK_IMAGES } from './images';
import { renderStack, type StackInput } from './render';
import { REALTIME_ALIAS, STACK_SERVICES } from './services';
import { instanceUrls } from './urls';
import { kongConfig } from './volumes/kong';

const ports: InstancePorts = {
  kongHttp: 8017,
  kongHttps: 8417,
  postgres: 5417,
  poolerTransaction: 6417,
};
const secrets = generateCredentials();

function input(overrides: Partial<StackInput> = {}): StackInput {
  return {
    instanceId: 'abc123def',
    name: 'Client site',
    ports,
    exposure: 'private',
    externalHost: null,
    secrets,
    imageOverrides: {},
    ...overrides,
  };
}

type Tree = { [key: string]: unknown };
function doc(overrides: Partial<StackInput> = {}) {
  const i = input(overrides);
  const api = instanceUrls(i.ports, i.exposure, i.externalHost).api;
  const d = composeDocument({ ...i, apiUrl: api, enableLogs: i.enableLogs ?? false });
  return d as { services: Record<string, Tree>; [key: string]: unknown };
}
interface KongService {
  name: string;
  routes: { paths: string[] }[];
  plugins: unknown[];
}
function kongServices(): KongService[] {
  return kongConfig(secrets).services as unknown as KongService[];
}
function file(path: string, overrides: Partial<StackInput> = {}): string {
  const found = renderStack(input(overrides)).files.find((f) => f.path === path);
  if (!found) throw new Error(`no ${path}`);
  return found.content;
}

describe('renderStack: multi-instance traps', () => {
  it('sets no top-level name and no container_name, so `-p ub_<id>` scopes everything', () => {
    const rendered = renderStack(input());
    expect(rendered.project).toBe('ub_abc123def');
    const compose = file('docker-compose.yml');
    expect(compose).not.toMatch(/^name:/m);
    expect(compose).not.toContain('container_name');
    const d = doc({ enableLogs: true });
    expect(Object.keys(d)).toEqual(['services', 'volumes']);
    for (const service of Object.values(d.services))
      expect(service).not.toHaveProperty('container_name');
  });

  it("keeps realtime's tenant host name as an alias on the instance's own network", () => {
    const realtime = doc().services.realtime!;
    expect(realtime.networks).toEqual({ default: { aliases: [REALTIME_ALIAS] } });
    // Kong calls realtime by that name; nothing else may reach for another project's realtime.
    const kong = file('volumes/api/kong.yml');
    expect(kong).toContain(`http://${REALTIME_ALIAS}:4000/socket`);
    expect(file('docker-compose.yml')).not.toMatch(/^networks:/m);
  });

  it('runs no log collector by default, and filters vector to this project when logs are on', () => {
    const off = renderStack(input());
    expect(off.files.map((f) => f.path)).not.toContain('volumes/logs/vector.yml');
    expect(Object.keys(doc().services)).not.toContain('vector');
    expect(Object.keys(doc().services)).not.toContain('analytics');
    expect(JSON.stringify(doc())).not.toContain('analytics');

    const vector = file('volumes/logs/vector.yml', { enableLogs: true });
    expect(vector).toContain('include_labels:\n      - "com.docker.compose.project=ub_abc123def"');
    expect(vector).not.toContain('container_name');
    expect(Object.keys(doc({ enableLogs: true }).services)).toEqual(
      expect.arrayContaining(['vector', 'analytics']),
    );
  });

  it('caps Kong at two nginx workers', () => {
    const kong = doc().services.kong!;
    expect((kong.environment as Tree).KONG_NGINX_WORKER_PROCESSES).toBe('2');
  });

  it('gives Kong its keys as the kit does, by reference to .env, and mounts the file it reads', () => {
    const kong = doc().services.kong!;
    const env = kong.environment as Tree;
    expect(env.SUPABASE_ANON_KEY).toBe('${ANON_KEY:?is missing from .env}');
    expect(env.SUPABASE_SERVICE_KEY).toBe('${SERVICE_ROLE_KEY:?is missing from .env}');
    expect(env.DASHBOARD_PASSWORD).toBe('${DASHBOARD_PASSWORD:?is missing from .env}');
    expect(kong.volumes).toEqual([`./volumes/api/kong.yml:${env.KONG_DECLARATIVE_CONFIG}:ro,z`]);
    expect(kong).not.toHaveProperty('entrypoint');
  });

  it('keeps Postgres on 5432 inside and templates only the host side of published ports', () => {
    const d = doc();
    expect(d.services.kong!.ports).toEqual(['127.0.0.1:8017:8000/tcp', '127.0.0.1:8417:8443/tcp']);
    expect(d.services.supavisor!.ports).toEqual([
      '127.0.0.1:5417:5432/tcp',
      '127.0.0.1:6417:6543/tcp',
    ]);
    expect(d.services.db).not.toHaveProperty('ports');
    expect((d.services.db!.environment as Tree).PGPORT).toBe('5432');
    for (const s of ['auth', 'rest', 'storage', 'functions']) {
      expect(JSON.stringify(d.services[s]!.environment)).toContain('@db:5432/postgres');
    }
    // The host ports appear in the port mappings and the browser-facing URLs, nowhere else.
    const compose = file('docker-compose.yml');
    expect(compose.match(/5417/g)).toHaveLength(1);
    expect(compose.match(/6417/g)).toHaveLength(1);
    expect(compose.match(/8417/g)).toHaveLength(1);
    expect(compose.replaceAll('http://127.0.0.1:8017', '').match(/8017/g)).toHaveLength(1);
  });

  it('binds to loopback when private and to every interface when public', () => {
    const pub = doc({ exposure: 'public', externalHost: '203.0.113.10' });
    expect(pub.services.kong!.ports).toEqual(['8017:8000/tcp', '8417:8443/tcp']);
    expect(pub.services.supavisor!.ports).toEqual(['5417:5432/tcp', '6417:6543/tcp']);
    expect((pub.services.auth!.environment as Tree).API_EXTERNAL_URL).toBe(
      'http://203.0.113.10:8017',
    );
    const priv = doc();
    expect((priv.services.auth!.environment as Tree).API_EXTERNAL_URL).toBe(
      'http://127.0.0.1:8017',
    );
  });

  it('builds public URLs from externalHost only, never a fallback address', () => {
    const other = file('docker-compose.yml', {
      exposure: 'public',
      externalHost: 'vps.example.org',
    });
    expect(other).toContain('http://vps.example.org:8017');
    expect(other).not.toContain('203.0.113');
    let error: unknown;
    try {
      renderStack(input({ exposure: 'public', externalHost: '' }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StackError);
    expect((error as StackError).code).toBe(ErrorCode.CONFIG_INVALID);
  });

  it('applies image overrides keyed by official name without tag', () => {
    const overrides = { 'supabase/postgres': 'local/pg-standin:1', 'kong/kong': 'local/kong:2' };
    const d = doc({ imageOverrides: overrides });
    expect(d.services.db!.image).toBe('local/pg-standin:1');
    expect(d.services.kong!.image).toBe('local/kong:2');
    expect(d.services.auth!.image).toBe(STACK_IMAGES.auth);

    const all = Object.fromEntries(
      Object.values(STACK_IMAGES).map((ref) => [imageName(ref), `standin/${imageName(ref)}:t`]),
    );
    const replaced = doc({ imageOverrides: all, enableLogs: true });
    for (const [name, service] of Object.entries(replaced.services)) {
      expect(service.image, name).toMatch(/^standin\//);
    }
  });

  it('runs every service under an init and labels it with the instance', () => {
    for (const [name, service] of Object.entries(doc({ enableLogs: true }).services)) {
      expect(service.init, name).toBe(true);
      expect((service.labels as Tree)[INSTANCE_LABEL], name).toBe('abc123def');
    }
  });

  it("keeps the kit's healthchecks, which the stand-in images implement", () => {
    const test = (s: string) => (doc({ enableLogs: true }).services[s]!.healthcheck as Tree).test;
    expect(test('db')).toEqual(['CMD', 'pg_isready', '-U', 'postgres', '-h', 'localhost']);
    expect(test('kong')).toEqual(['CMD', 'kong', 'health']);
    expect(test('imgproxy')).toEqual(['CMD', 'imgproxy', 'health']);
    expect(test('auth')).toContain('http://localhost:9999/health');
    expect(test('storage')).toContain('http://storage:5000/status');
    expect((test('studio') as string[]).slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(test('supavisor')).toContain('http://127.0.0.1:4000/api/health');
    expect(JSON.stringify(test('realtime'))).toContain('/api/tenants/realtime-dev/health');
    // The kit defines none for these three.
    const without = Object.entries(doc({ enableLogs: true }).services)
      .filter(([, s]) => s.healthcheck === undefined)
      .map(([name]) => name);
    expect(without.sort()).toEqual(['functions', 'meta', 'rest']);
  });
});

describe('renderStack: healthcheck interval (agent config healthcheckIntervalMs)', () => {
  it("renders the kit's timings byte for byte when the option is absent", () => {
    const kit = renderStack(input());
    expect(renderStack(input({ healthcheckIntervalMs: undefined }))).toEqual(kit);
    const compose = kit.files.find((f) => f.path === 'docker-compose.yml')!.content;
    expect(compose).toContain('interval: "5s"');
    expect(compose).toContain('interval: "10s"');
  });

  it('probes at the interval and keeps the time before unhealthy, nothing else changes', () => {
    const kit = doc({ enableLogs: true }).services;
    const paced = doc({ enableLogs: true, healthcheckIntervalMs: 1000 }).services;
    const budget = (h: Tree) => Number(/^(\d+)s$/.exec(h.interval as string)![1]) * +h.retries!;
    for (const [name, service] of Object.entries(kit)) {
      const { healthcheck: kitCheck, ...rest } = service;
      const { healthcheck: pacedCheck, ...pacedRest } = paced[name]!;
      expect(pacedRest, name).toEqual(rest);
      if (kitCheck === undefined) {
        expect(pacedCheck, name).toBeUndefined();
        continue;
      }
      const k = kitCheck as Tree;
      const p = pacedCheck as Tree;
      expect(p.interval, name).toBe('1s');
      expect({ ...p, interval: k.interval, retries: k.retries }, name).toEqual(k);
      expect(budget(p), name).toBe(budget(k));
    }
    expect((paced.db!.healthcheck as Tree).retries).toBe(50);
    expect((paced.supavisor!.healthcheck as Tree).retries).toBe(50);
  });
});

describe('renderStack: fixes the kit made upstream', () => {
  it("binds Studio to 0.0.0.0: with '::' it does not start on hosts booted with IPv6 off", () => {
    expect((doc().services.studio!.environment as Tree).HOSTNAME).toBe('0.0.0.0');
  });

  it("blocks Realtime's /api/openapi in Kong, like /api/tenants", () => {
    const services = kongServices();
    const route = services.find((s) => s.routes[0]?.paths.includes('/realtime/v1/api/openapi'));
    expect(route?.plugins).toEqual([
      {
        name: 'request-termination',
        config: { status_code: 403, message: 'Access is forbidden.' },
      },
    ]);
  });

  it('has no /analytics/v1 route in Kong, not even with logs on (removed upstream)', () => {
    const paths = kongServices().flatMap((s) => s.routes.flatMap((r) => r.paths));
    expect(paths.some((p) => p.startsWith('/analytics'))).toBe(false);
    expect(file('volumes/api/kong.yml', { enableLogs: true })).not.toContain('analytics');
  });
});

describe('renderStack: secrets', () => {
  it('keeps every secret out of the compose file and the SQL, and puts them in a 0600 .env', () => {
    const rendered = renderStack(input({ enableLogs: true }));
    const byPath = new Map(rendered.files.map((f) => [f.path, f]));
    const env = byPath.get('.env')!;
    expect(env.mode).toBe(0o600);
    for (const value of secretValues(secrets)) {
      expect(env.content).toContain(`=${value}\n`);
      for (const f of rendered.files) {
        if (f.path === '.env' || f.path === 'volumes/api/kong.yml') continue;
        expect(f.content.includes(value), `${f.path} leaks a secret`).toBe(false);
      }
    }
    // Kong must know the keys it checks; nothing else it does not need.
    const kong = byPath.get('volumes/api/kong.yml')!.content;
    expect(kong).toContain(secrets.anonKey);
    expect(kong).toContain(secrets.serviceRoleKey);
    expect(kong).toContain(secrets.dashboardPassword);
    expect(kong).not.toContain(secrets.jwtSecret);
    expect(kong).not.toContain(secrets.postgresPassword);
  });

  it('refers only to variables that .env defines, each failing loudly when absent', () => {
    const compose = file('docker-compose.yml', { enableLogs: true });
    const refs = [...compose.matchAll(/\$\{([A-Z0-9_]+)(:\?[^}]*)?\}/g)];
    expect(refs.length).toBeGreaterThan(20);
    const defined = new Set<string>(Object.values(ENV_NAMES));
    for (const [, name, guard] of refs) {
      expect(defined.has(name!), name).toBe(true);
      expect(guard, name).toBeDefined();
    }
    // Literal `$` (escaped for compose) only where the shell needs it.
    expect(compose.replace(/\$\{[A-Z0-9_]+:\?[^}]*\}/g, '')).not.toMatch(/(^|[^$])\$[^$]/);
  });

  it('escapes `$` in a project name so compose does not interpolate it', () => {
    const d = doc({ name: 'cost $HOME' });
    expect((d.services.studio!.environment as Tree).DEFAULT_PROJECT_NAME).toBe('cost $$HOME');
  });

  it('writes the pooler tenant into pooler.exs and the password only via the environment', () => {
    const exs = file('volumes/pooler/pooler.exs');
    expect(exs).toContain(`tenant_id = "${secrets.poolerTenantId}"`);
    expect(exs).toContain('System.get_env("POSTGRES_PASSWORD")');
    const roles = file('volumes/db/roles.sql');
    expect(roles).toContain('\\set pgpass `echo "$PGPASSWORD"`');
    expect(roles).toContain("ALTER USER authenticator WITH PASSWORD :'pgpass';");
  });

  it('refuses damaged secrets without echoing them', () => {
    const broken = { ...secrets, vaultEncKey: 'short' };
    expect(() => renderStack(input({ secrets: broken }))).toThrow(/vaultEncKey/);
    try {
      renderStack(input({ secrets: broken }));
    } catch (e) {
      expect((e as Error).message).not.toContain('short');
    }
  });
});

describe('renderStack: shape', () => {
  it('renders the same bytes for the same input (what repair compares against)', () => {
    expect(renderStack(input({ enableLogs: true }))).toEqual(
      renderStack(input({ enableLogs: true })),
    );
  });

  it('lists the files the kit mounts, with relative paths', () => {
    const paths = renderStack(input({ enableLogs: true })).files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'docker-compose.yml',
        '.env',
        'volumes/api/kong.yml',
        'volumes/db/roles.sql',
        'volumes/db/jwt.sql',
        'volumes/db/realtime.sql',
        'volumes/db/_supabase.sql',
        'volumes/db/logs.sql',
        'volumes/db/pooler.sql',
        'volumes/db/webhooks.sql',
        'volumes/pooler/pooler.exs',
        'volumes/logs/vector.yml',
        'volumes/functions/main/index.ts',
        'volumes/functions/hello/index.ts',
      ]),
    );
    for (const p of paths) expect(p).not.toMatch(/^\/|\.\./);
    // Every file the compose file mounts from ./volumes is rendered (except data directories).
    const compose = file('docker-compose.yml', { enableLogs: true });
    for (const [, mounted] of compose.matchAll(/\.\/(volumes\/[^:]+\.[a-z]+):/g)) {
      expect(paths, mounted).toContain(mounted);
    }
  });

  it('defines exactly the services STACK_SERVICES lists', () => {
    expect(Object.keys(doc().services).sort()).toEqual(
      STACK_SERVICES.filter((s) => !s.logsOnly)
        .map((s) => s.name)
        .sort(),
    );
    expect(Object.keys(doc({ enableLogs: true }).services).sort()).toEqual(
      STACK_SERVICES.map((s) => s.name).sort(),
    );
  });

  it('refuses an invalid id or two services on one host port', () => {
    expect(() => renderStack(input({ instanceId: 'ABC/../x' }))).toThrow(StackError);
    expect(() => renderStack(input({ ports: { ...ports, kongHttps: ports.kongHttp } }))).toThrow(
      /same host port/,
    );
    expect(() => renderStack(input({ ports: { ...ports, postgres: 70000 } }))).toThrow(/TCP port/);
  });
});
