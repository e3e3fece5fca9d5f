// The newest release's generated stack against a facts table of the official kit, written from
// reading the kit (kit-facts.ts). Every difference must be listed below with its reason; a new
// difference, or an explanation that no longer matches anything, fails the test. Differences
// that are explained by construction and not listed: no `name:` and no `container_name` (each
// project is its own compose project; realtime's container name is a network alias), ports
// published on the host side only, bound to 127.0.0.1 for private projects, and the values of
// every key (per instance). The kit's own Kong request-transformer/post-function plugins for
// the new API keys are not compared (same reason as NEW_API_KEYS).
import { describe, expect, it } from 'vitest';
import { generateCredentials } from '../../credentials/generate';
import { composeDocument } from '../compose';
import { instanceUrls } from '../urls';
import { kongConfig } from '../volumes/kong';
import { builtinCatalog } from './catalog';
import { KIT_KONG_BLOCKED, KIT_KONG_ROUTES, KIT_SERVICES, KIT_VOLUMES } from './kit-facts';

const NEW_API_KEYS =
  "The kit's new API keys (publishable/secret, asymmetric JWTs) are empty by default there " +
  'and not issued by Ultrabase yet; projects use the anon and service-role JWTs.';
const KONG_RENDERED =
  'The kit renders kong.yml at start with a shell entrypoint (kong-entrypoint.sh, temp.yml); ' +
  'the agent renders it itself with the instance keys and Kong reads it directly: no shell.';
const STACK_ENV_RENAME =
  'A rename in the kit that the service still accepts under the old name; changing it ' +
  're-renders every project, so it is left to the stack-environment work (issue 15).';

const EXPLAINED: Record<string, string> = {
  'studio.healthcheck':
    'Same probe of /api/platform/profile as an exec-form command on the service name, which ' +
    "the stand-in images and the kit's own earlier form both answer; no shell in the container.",
  'kong.env +KONG_NGINX_WORKER_PROCESSES':
    'Kong starts one ~100 MB nginx worker per core; dozens of projects per server need 2.',
  'kong.env -KONG_DNS_NOT_FOUND_TTL':
    'Not set: Kong keeps its default negative-DNS cache; a recreated service may answer 30 s ' +
    'later through Kong (the upgrade waits for health on each service, not through Kong).',
  'kong.env -KONG_PROXY_ACCESS_LOG': "Access log format left at Kong's default.",
  'kong.env -SUPABASE_PUBLISHABLE_KEY': NEW_API_KEYS,
  'kong.env -SUPABASE_SECRET_KEY': NEW_API_KEYS,
  'kong.env -ANON_KEY_ASYMMETRIC': NEW_API_KEYS,
  'kong.env -SERVICE_ROLE_KEY_ASYMMETRIC': NEW_API_KEYS,
  'kong.mount +/home/kong/kong.yml': KONG_RENDERED,
  'kong.mount -/home/kong/temp.yml': KONG_RENDERED,
  'kong.mount -/home/kong/kong-entrypoint.sh': KONG_RENDERED,
  'storage.env +PGRST_JWT_SECRET': STACK_ENV_RENAME,
  'storage.env -AUTH_JWT_SECRET': STACK_ENV_RENAME,
  'imgproxy.env +IMGPROXY_ENABLE_WEBP_DETECTION': STACK_ENV_RENAME,
  'imgproxy.env -IMGPROXY_AUTO_WEBP': STACK_ENV_RENAME,
  'functions.env -SUPABASE_PUBLISHABLE_KEYS': NEW_API_KEYS,
  'functions.env -SUPABASE_SECRET_KEYS': NEW_API_KEYS,
};

type Tree = Record<string, unknown>;

function generated() {
  const secrets = generateCredentials();
  const ports = { kongHttp: 8001, kongHttps: 8401, postgres: 5401, poolerTransaction: 6401 };
  const doc = composeDocument({
    instanceId: 'abc123def',
    name: 'facts',
    ports,
    exposure: 'private',
    apiUrl: instanceUrls(ports, 'private', null).api,
    imageOverrides: {},
    // The kit runs the logs pair; Ultrabase makes it optional (off by default).
    enableLogs: true,
    stackRelease: builtinCatalog().newest(),
  }) as { services: Record<string, Tree>; volumes: Tree };
  return { doc, kong: kongConfig(secrets) as { services: Tree[] } };
}

/** `${NAME:?is missing from .env}` → `${NAME}`: the same reference, with our loud failure. */
const plainRefs = (s: string) => s.replace(/\$\{(\w+):\?[^}]*\}/g, '${$1}');

function healthcheckOf(service: Tree): string | null {
  const test = (service.healthcheck as { test?: string[] } | undefined)?.test;
  if (!test) return null;
  const [kind, ...rest] = test;
  return plainRefs(kind === 'CMD-SHELL' ? rest[0]! : rest.join(' '));
}

function differences(): string[] {
  const { doc, kong } = generated();
  const out: string[] = [];
  const side = (ours: string[], kit: string[], key: string) => {
    for (const x of ours) if (!kit.includes(x)) out.push(`${key} +${x}`);
    for (const x of kit) if (!ours.includes(x)) out.push(`${key} -${x}`);
  };
  side(Object.keys(doc.services), Object.keys(KIT_SERVICES), 'services');
  for (const [name, kit] of Object.entries(KIT_SERVICES)) {
    const ours = doc.services[name];
    if (!ours) continue;
    if (ours.image !== kit.image) out.push(`${name}.image ${String(ours.image)}`);
    side(Object.keys((ours.environment as Tree | undefined) ?? {}), kit.env, `${name}.env`);
    const mounts = ((ours.volumes as string[] | undefined) ?? []).map((v) => v.split(':')[1]!);
    side(mounts, kit.mounts, `${name}.mount`);
    if (healthcheckOf(ours) !== kit.healthcheck) out.push(`${name}.healthcheck`);
    const ports = ((ours.ports as string[] | undefined) ?? []).map((p) =>
      Number(/:(\d+)\/tcp$/.exec(p)?.[1]),
    );
    side(ports.map(String), kit.ports.map(String), `${name}.port`);
  }
  side(Object.keys(doc.volumes), KIT_VOLUMES, 'volumes');

  const routes = new Map(
    kong.services.map((s) => [
      s.name as string,
      (s.routes as Array<{ paths: string[] }>).flatMap((r) => r.paths),
    ]),
  );
  side([...routes.keys()], Object.keys(KIT_KONG_ROUTES), 'kong.service');
  for (const [name, paths] of Object.entries(KIT_KONG_ROUTES)) {
    const ours = routes.get(name);
    if (ours && ours.join(' ') !== paths.join(' ')) out.push(`kong.route ${name}`);
  }
  const blocked = kong.services
    .filter((s) =>
      (s.plugins as Array<{ name: string }>).some((p) => p.name === 'request-termination'),
    )
    .map((s) => s.name as string);
  side(blocked, KIT_KONG_BLOCKED, 'kong.blocked');
  return out;
}

describe('the newest release against the official kit', () => {
  it('differs from the kit only where the difference is explained', () => {
    const found = differences();
    expect(found.filter((d) => !(d in EXPLAINED))).toEqual([]);
    expect(Object.keys(EXPLAINED).filter((d) => !found.includes(d))).toEqual([]);
  });

  it('runs exactly the kit images of its release (Postgres on 15)', () => {
    const newest = builtinCatalog().newest();
    for (const [name, kit] of Object.entries(KIT_SERVICES)) {
      expect(newest.images[name as keyof typeof newest.images]).toBe(kit.image);
    }
  });
});
