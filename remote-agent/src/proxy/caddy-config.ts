import type { DomainTarget } from '@protocol/types';
import type { AcmeSettings } from './settings';

/** One hostname the proxy serves, resolved to the instance's Kong port on this host. */
export interface ProxyRoute {
  hostname: string;
  target: DomainTarget;
  /** Kong's host port: the proxy runs on the host network and dials 127.0.0.1:<port>. */
  kongPort: number;
  hsts: boolean;
  studioAllowIps: readonly string[];
}

/** Where things live inside the proxy container (see proxy-project.ts for the mounts). */
export const CONTAINER_PATHS = {
  config: '/etc/ultrabase-proxy',
  data: '/data',
  adminSocket: '/run/ultrabase-proxy/admin.sock',
  log: '/data/caddy.log',
  storage: '/data/storage',
  caRoot: '/etc/ultrabase-proxy/acme-ca.pem',
} as const;

/**
 * Path prefixes of Supabase's public API behind Kong (the kit's kong.yml). `/pg/` (postgres-meta,
 * service key only) and `/` (Studio) are not part of it: an `api` hostname answers 404 there.
 */
export const API_PATHS = [
  '/auth/v1/*',
  '/rest/v1/*',
  '/graphql/v1*',
  '/realtime/v1/*',
  '/storage/v1/*',
  '/functions/v1/*',
  '/sso/*',
] as const;

const HSTS_VALUE = 'max-age=31536000';

type Json = Record<string, unknown>;

/**
 * Caddy's whole JSON config, rendered from the routes alone: the same routes give the same
 * bytes, so the agent can write it to disk (what Caddy starts with) and `POST /load` it (a
 * graceful switch: listeners are kept, requests in flight finish on the old config).
 * Automatic HTTPS does the rest: a certificate per hostname, HTTP → HTTPS redirects, renewals.
 */
export function renderCaddyConfig(
  routes: readonly ProxyRoute[],
  acme: AcmeSettings,
): Record<string, unknown> {
  const sorted = [...routes].sort((a, b) => a.hostname.localeCompare(b.hostname));
  const config: Json = {
    admin: { listen: `unix/${CONTAINER_PATHS.adminSocket}` },
    logging: {
      logs: {
        default: {
          writer: { output: 'file', filename: CONTAINER_PATHS.log, roll_size_mb: 10, roll_keep: 3 },
          encoder: { format: 'json' },
          level: 'INFO',
        },
      },
    },
    storage: { module: 'file_system', root: CONTAINER_PATHS.storage },
  };
  if (sorted.length === 0) return config;
  const issuer: Json = {
    module: 'acme',
    ca: acme.directory,
    ...(acme.email ? { email: acme.email } : {}),
    ...(acme.caRootFile ? { trusted_roots_pem_files: [CONTAINER_PATHS.caRoot] } : {}),
  };
  config.apps = {
    http: {
      servers: {
        ultrabase: {
          listen: [':443'],
          routes: sorted.map(hostRoute),
          // Behind no other proxy: the client address Caddy sees is the real one.
        },
      },
    },
    tls: {
      automation: {
        policies: [{ subjects: sorted.map((r) => r.hostname), issuers: [issuer] }],
      },
    },
  };
  return config;
}

function hostRoute(route: ProxyRoute): Json {
  const upstream = {
    handler: 'reverse_proxy',
    upstreams: [{ dial: `127.0.0.1:${route.kongPort}` }],
  };
  const inner: Json[] = [];
  if (route.hsts) {
    inner.push({
      handle: [
        { handler: 'headers', response: { set: { 'Strict-Transport-Security': [HSTS_VALUE] } } },
      ],
    });
  }
  const api = [{ path: [...API_PATHS] }];
  const allowList = route.studioAllowIps.length > 0;
  const refuseOutsiders: Json = {
    match: [{ not: [{ remote_ip: { ranges: [...route.studioAllowIps] } }] }],
    handle: [{ handler: 'static_response', status_code: 403, body: 'Forbidden' }],
    terminal: true,
  };
  if (route.target === 'api') {
    inner.push({ match: api, handle: [upstream], terminal: true });
    inner.push({ handle: [{ handler: 'static_response', status_code: 404, body: 'Not Found' }] });
  } else if (route.target === 'studio') {
    // Studio sits behind Kong's basic auth at `/`; the allow-list comes in front of everything.
    if (allowList) inner.push(refuseOutsiders);
    inner.push({ handle: [upstream] });
  } else {
    // Both on one name, by path, as Kong itself splits them: the API is for everyone, Studio
    // (everything else) for the allow-list when there is one.
    inner.push({ match: api, handle: [upstream], terminal: true });
    if (allowList) inner.push(refuseOutsiders);
    inner.push({ handle: [upstream] });
  }
  return {
    match: [{ host: [route.hostname] }],
    handle: [{ handler: 'subroute', routes: inner }],
    terminal: true,
  };
}
