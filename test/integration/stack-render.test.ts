// Three rendered instances side by side, checked by the real compose CLI (Debian's
// docker-compose v1, the oldest and strictest parser we support): each project resolves, and
// the three share no container name, host port, network, volume or secret. With the rig's
// stand-in images present, the same stacks render onto stand-ins only.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCredentials } from '../../remote-agent/src/credentials';
import { secretValues, type InstanceSecrets } from '../../remote-agent/src/credentials/secrets';
import type { Exposure, InstancePorts } from '@protocol/types';
import {
  STACK_SERVICES,
  renderStack,
  writeStackFiles,
  type RenderedStack,
} from '../../remote-agent/src/stack';
import { ROUTES as STANDIN_KONG_ROUTES } from '../rig/standin/program/services/kong';

const IMAGES_JSON = join(import.meta.dirname, '..', 'rig', 'images.json');
// PyYAML comes with docker-compose v1; it turns YAML into JSON we can inspect.
const PYTHON = '/usr/bin/python3';
const YAML_TO_JSON = 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)';

interface Planned {
  id: string;
  ports: InstancePorts;
  exposure: Exposure;
  enableLogs: boolean;
  secrets: InstanceSecrets;
  dir: string;
  rendered: RenderedStack;
}

interface ResolvedService {
  image: string;
  container_name?: string;
  ports?: PortMapping[];
  volumes?: string[];
  environment?: Record<string, string>;
  networks?: Record<string, { aliases?: string[] } | null>;
}
interface Resolved {
  services: Record<string, ResolvedService>;
  networks?: Record<string, unknown>;
  volumes?: Record<string, unknown>;
}

function run(
  file: string,
  args: string[],
  opts: { input?: string; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { cwd: opts.cwd ?? '/', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) || 1 : 0, stdout, stderr }),
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

async function yamlToJson<T>(text: string): Promise<T> {
  const { code, stdout, stderr } = await run(PYTHON, ['-c', YAML_TO_JSON], { input: text });
  if (code !== 0) throw new Error(`YAML did not parse: ${stderr}`);
  return JSON.parse(stdout) as T;
}

/** `docker-compose -p ub_<id> -f <dir>/docker-compose.yml config`, run from `/`. */
function composeConfig(p: { rendered: RenderedStack; dir: string }) {
  return run('docker-compose', [
    '-p',
    p.rendered.project,
    '-f',
    join(p.dir, 'docker-compose.yml'),
    'config',
  ]);
}

/** compose v1 prints `[address:]host:container[/proto]`, or the long form when no address. */
type PortMapping = string | { published: number; target: number; host_ip?: string };

function hostPort(mapping: PortMapping): number {
  if (typeof mapping !== 'string') return mapping.published;
  const parts = mapping.replace(/\/\w+$/, '').split(':');
  return Number(parts[parts.length - 2]);
}

function hostAddress(mapping: PortMapping): string | undefined {
  if (typeof mapping !== 'string') return mapping.host_ip;
  const parts = mapping.split(':');
  return parts.length === 3 ? parts[0] : undefined;
}

let root: string;
const planned: Planned[] = [];
const resolved = new Map<string, Resolved>();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ub-stack-render-'));
  const specs: Array<Pick<Planned, 'id' | 'ports' | 'exposure' | 'enableLogs'>> = [
    {
      id: 'aaa111',
      ports: { kongHttp: 8010, kongHttps: 8410, postgres: 5410, poolerTransaction: 6410 },
      exposure: 'private',
      enableLogs: false,
    },
    {
      id: 'bbb222',
      ports: { kongHttp: 8011, kongHttps: 8411, postgres: 5411, poolerTransaction: 6411 },
      exposure: 'public',
      enableLogs: false,
    },
    {
      id: 'ccc333',
      ports: { kongHttp: 8012, kongHttps: 8412, postgres: 5412, poolerTransaction: 6412 },
      exposure: 'private',
      enableLogs: true,
    },
  ];
  for (const spec of specs) {
    const secrets = generateCredentials();
    const dir = join(root, 'instances', spec.id);
    const rendered = renderStack({
      instanceId: spec.id,
      name: `Project ${spec.id}`,
      ports: spec.ports,
      exposure: spec.exposure,
      externalHost: '198.51.100.7',
      secrets,
      imageOverrides: {},
      enableLogs: spec.enableLogs,
    });
    await writeStackFiles(dir, rendered);
    planned.push({ ...spec, secrets, dir, rendered });
  }
  // The three projects resolve one after another: compose v1 is Python and slow to start.
  for (const p of planned) {
    const { code, stdout, stderr } = await composeConfig(p);
    if (code !== 0) throw new Error(`docker-compose config failed for ${p.id}:\n${stderr}`);
    resolved.set(p.id, await yamlToJson<Resolved>(stdout));
  }
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('three rendered instances under docker-compose v1', () => {
  it('each resolves with its own secrets interpolated from its .env', () => {
    for (const p of planned) {
      const config = resolved.get(p.id)!;
      const expected = STACK_SERVICES.filter((s) => p.enableLogs || !s.logsOnly).map((s) => s.name);
      expect(Object.keys(config.services).sort()).toEqual([...expected].sort());
      const auth = config.services.auth!.environment!;
      expect(auth.GOTRUE_JWT_SECRET).toBe(p.secrets.jwtSecret);
      expect(auth.GOTRUE_DB_DATABASE_URL).toBe(
        `postgres://supabase_auth_admin:${p.secrets.postgresPassword}@db:5432/postgres`,
      );
      expect(config.services.supavisor!.environment!.POOLER_TENANT_ID).toBe(
        p.secrets.poolerTenantId,
      );
      expect(config.services.realtime!.networks!.default!.aliases).toEqual([
        'realtime-dev.supabase-realtime',
      ]);
      expect(config.services.kong!.environment!.KONG_NGINX_WORKER_PROCESSES).toBe('2');
    }
  });

  it('share no container name: no fixed names, distinct projects', () => {
    const names = new Set<string>();
    for (const p of planned) {
      const config = resolved.get(p.id)!;
      for (const [service, body] of Object.entries(config.services)) {
        expect(body.container_name, `${p.id}/${service}`).toBeUndefined();
        // compose v1 names containers <project>_<service>_<n> (v2: <project>-<service>-<n>).
        names.add(`${p.rendered.project}_${service}_1`);
      }
    }
    const total = planned.reduce((n, p) => n + Object.keys(resolved.get(p.id)!.services).length, 0);
    expect(names.size).toBe(total);
    expect(new Set(planned.map((p) => p.rendered.project)).size).toBe(3);
  });

  it('share no host port, and bind private ones to loopback only', () => {
    const seen = new Map<number, string>();
    for (const p of planned) {
      const published = Object.values(resolved.get(p.id)!.services).flatMap((s) => s.ports ?? []);
      expect(published.map(hostPort).sort()).toEqual(Object.values(p.ports).sort());
      for (const mapping of published) {
        const port = hostPort(mapping);
        expect(seen.get(port), `port ${port}`).toBeUndefined();
        seen.set(port, p.id);
        // Public: no address, so Docker binds every interface.
        expect(hostAddress(mapping)).toBe(p.exposure === 'private' ? '127.0.0.1' : undefined);
      }
    }
    expect(seen.size).toBe(12);
  });

  it('share no network or named volume, and bind-mount only their own directory', () => {
    const networks = new Set<string>();
    const volumes = new Set<string>();
    for (const p of planned) {
      const config = resolved.get(p.id)!;
      // No explicit networks: compose scopes the default one by project.
      expect(Object.keys(config.networks ?? {})).toEqual([]);
      networks.add(`${p.rendered.project}_default`);
      for (const name of Object.keys(config.volumes ?? {})) {
        volumes.add(`${p.rendered.project}_${name}`);
      }
      for (const [service, body] of Object.entries(config.services)) {
        for (const mount of body.volumes ?? []) {
          const source = mount.split(':')[0]!;
          if (!source.startsWith('/')) continue; // named volume, project-scoped
          if (source === '/var/run/docker.sock') {
            expect(service).toBe('vector');
            continue;
          }
          expect(source.startsWith(p.dir + '/'), `${p.id}/${service}: ${source}`).toBe(true);
        }
      }
    }
    expect(networks.size).toBe(3);
    expect(volumes.size).toBe(6);
  });

  it('share no secret: no value of one instance appears anywhere in another', async () => {
    const texts = await Promise.all(
      planned.map(async (p) => {
        const files = await Promise.all(
          p.rendered.files.map((f) => readFile(join(p.dir, f.path), 'utf8')),
        );
        return files.join('\n') + JSON.stringify(resolved.get(p.id));
      }),
    );
    planned.forEach((p, i) => {
      const values = secretValues(p.secrets);
      expect(new Set(values).size).toBe(values.length);
      texts.forEach((text, j) => {
        if (i === j) return;
        for (const value of values) expect(text.includes(value)).toBe(false);
      });
    });
  });

  it('writes YAML for Kong and Vector that a real parser reads as intended', async () => {
    const [, , withLogs] = planned as [Planned, Planned, Planned];
    const kong = await yamlToJson<{
      consumers: Array<{ username: string; keyauth_credentials?: Array<{ key: string }> }>;
      services: Array<{ name: string; url: string }>;
    }>(await readFile(join(withLogs.dir, 'volumes/api/kong.yml'), 'utf8'));
    const keys = Object.fromEntries(
      kong.consumers.map((c) => [c.username, c.keyauth_credentials?.[0]?.key]),
    );
    expect(keys).toEqual({
      DASHBOARD: undefined,
      anon: withLogs.secrets.anonKey,
      service_role: withLogs.secrets.serviceRoleKey,
    });
    expect(kong.services.at(-1)).toMatchObject({ name: 'dashboard', url: 'http://studio:3000/' });

    const vector = await yamlToJson<{ sources: { docker_host: { include_labels: string[] } } }>(
      await readFile(join(withLogs.dir, 'volumes/logs/vector.yml'), 'utf8'),
    );
    expect(vector.sources.docker_host.include_labels).toEqual([
      `com.docker.compose.project=${withLogs.rendered.project}`,
    ]);
  });

  it("matches the rig's stand-in Kong route for route, with and without logs", async () => {
    interface KongPlugin {
      name: string;
      config?: { status_code?: number; allow?: string[] };
    }
    type KongYml = {
      services: Array<{ url: string; routes: Array<{ paths: string[] }>; plugins: KongPlugin[] }>;
    };
    const standin = STANDIN_KONG_ROUTES.map((r) => ({
      path: r.path,
      upstream: r.terminate ? undefined : r.upstream,
      terminate: r.terminate,
      groups: r.groups,
      basicAuth: r.basicAuth ?? false,
      cors: r.cors ?? false,
    })).sort((a, b) => a.path.localeCompare(b.path));
    for (const p of planned) {
      const kong = await yamlToJson<KongYml>(
        await readFile(join(p.dir, 'volumes/api/kong.yml'), 'utf8'),
      );
      const rendered = kong.services
        .flatMap((s) =>
          s.routes[0]!.paths.map((path) => {
            const plugin = (name: string) => s.plugins.find((x) => x.name === name);
            const terminate = plugin('request-termination')?.config?.status_code;
            return {
              path,
              upstream: terminate ? undefined : s.url,
              terminate,
              groups: plugin('acl')?.config?.allow,
              basicAuth: plugin('basic-auth') !== undefined,
              cors: plugin('cors') !== undefined,
            };
          }),
        )
        .sort((a, b) => a.path.localeCompare(b.path));
      expect(rendered, p.id).toEqual(standin);
    }
  });

  it('refuses to resolve when a secret is missing from .env, naming the variable', async () => {
    const copyDir = join(root, 'damaged');
    const [first] = planned as [Planned];
    await writeStackFiles(copyDir, first.rendered);
    const env = await readFile(join(copyDir, '.env'), 'utf8');
    await writeFile(
      join(copyDir, '.env'),
      env
        .split('\n')
        .filter((line) => !line.startsWith('JWT_SECRET='))
        .join('\n'),
    );
    const { code, stderr } = await composeConfig({ rendered: first.rendered, dir: copyDir });
    expect(code).not.toBe(0);
    expect(stderr).toContain('is missing from .env');
    expect(stderr).toContain('JWT_SECRET');
  });
});

describe.runIf(existsSync(IMAGES_JSON))('rendered onto the rig stand-in images', () => {
  it('runs every service, logs included, on a stand-in', async () => {
    const overrides = JSON.parse(readFileSync(IMAGES_JSON, 'utf8')) as Record<string, string>;
    const dir = join(root, 'standin');
    const rendered = renderStack({
      instanceId: 'ddd444',
      name: 'Stand-in',
      ports: { kongHttp: 8013, kongHttps: 8413, postgres: 5413, poolerTransaction: 6413 },
      exposure: 'private',
      secrets: generateCredentials(),
      imageOverrides: overrides,
      enableLogs: true,
    });
    await writeStackFiles(dir, rendered);
    const { code, stdout, stderr } = await composeConfig({ rendered, dir });
    expect(code, stderr).toBe(0);
    const config = await yamlToJson<Resolved>(stdout);
    const standins = new Set(Object.values(overrides));
    expect(Object.keys(config.services)).toHaveLength(STACK_SERVICES.length);
    for (const [service, body] of Object.entries(config.services)) {
      expect(standins.has(body.image), `${service}: ${body.image}`).toBe(true);
    }
  });
});
