// kong:2.8.1 as the kit configures it (volumes/api/kong.yml): proxy on 8000 (and TLS on 8443),
// routes by longest path prefix with strip_path, key-auth on the API routes (`apikey` header or
// query parameter; SUPABASE_ANON_KEY is group `anon`, SUPABASE_SERVICE_KEY group `admin`), ACLs,
// basic-auth (DASHBOARD_USERNAME/DASHBOARD_PASSWORD) on Studio, request-termination on the
// blocked paths, and Kong's own error bodies. Upstream host names are resolved per request, so a
// stopped service gives Kong's 503 "name resolution failed" and a dead one 502, as with Kong.
import { existsSync, readFileSync } from 'node:fs';
import {
  Agent,
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { connect, createServer as createTcpServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { listenOrExit } from '../http-kit';
import { countRequest, describe, logError, logInfo, logWarn } from '../log';

const VERSION = '2.8.1';
const REALTIME = 'http://realtime-dev.supabase-realtime:4000';
const API_GROUPS = ['admin', 'anon'];

export interface Route {
  path: string;
  upstream?: string;
  /** key-auth + acl: the consumer groups allowed. */
  groups?: string[];
  /** request-transformer: Authorization from the apikey when the client sent none. */
  authFromApikey?: boolean;
  basicAuth?: boolean;
  terminate?: number;
  cors?: boolean;
}

/** The kit's kong.yml routes (stack-render.test.ts holds this table to the agent's rendering). */
export const ROUTES: Route[] = [
  { path: '/auth/v1/verify', upstream: 'http://auth:9999/verify', cors: true },
  { path: '/auth/v1/callback', upstream: 'http://auth:9999/callback', cors: true },
  { path: '/auth/v1/authorize', upstream: 'http://auth:9999/authorize', cors: true },
  {
    path: '/auth/v1/.well-known/jwks.json',
    upstream: 'http://auth:9999/.well-known/jwks.json',
    cors: true,
  },
  { path: '/sso/saml/acs', upstream: 'http://auth:9999/sso/saml/acs', cors: true },
  { path: '/sso/saml/metadata', upstream: 'http://auth:9999/sso/saml/metadata', cors: true },
  {
    path: '/auth/v1/',
    upstream: 'http://auth:9999/',
    groups: API_GROUPS,
    authFromApikey: true,
    cors: true,
  },
  {
    path: '/rest/v1/',
    upstream: 'http://rest:3000/',
    groups: API_GROUPS,
    authFromApikey: true,
    cors: true,
  },
  {
    path: '/graphql/v1',
    upstream: 'http://rest:3000/rpc/graphql',
    groups: API_GROUPS,
    authFromApikey: true,
    cors: true,
  },
  { path: '/realtime/v1/api/openapi', terminate: 403 },
  { path: '/realtime/v1/api/tenants', terminate: 403 },
  {
    path: '/realtime/v1/api',
    upstream: `${REALTIME}/api`,
    groups: API_GROUPS,
    authFromApikey: true,
    cors: true,
  },
  { path: '/realtime/v1/', upstream: `${REALTIME}/socket`, groups: API_GROUPS, cors: true },
  { path: '/storage/v1/', upstream: 'http://storage:5000/', authFromApikey: true, cors: true },
  { path: '/functions/v1/', upstream: 'http://functions:9000/', cors: true },
  {
    path: '/.well-known/oauth-authorization-server',
    upstream: 'http://auth:9999/.well-known/oauth-authorization-server',
    cors: true,
  },
  { path: '/pg/', upstream: 'http://meta:8080/', groups: ['admin'] },
  { path: '/api/mcp', terminate: 403 },
  { path: '/mcp', terminate: 403 },
  { path: '/', upstream: 'http://studio:3000/', basicAuth: true, cors: true },
].sort((a, b) => b.path.length - a.path.length);

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
];

interface Consumer {
  username: string;
  group: string;
}

type Verdict =
  | { ok: true; headers: IncomingHttpHeaders }
  | { ok: false; status: number; body: unknown; headers?: Record<string, string> };

export function runKong(args: string[]): void {
  const command = args[0] ?? 'docker-start';
  if (command === 'version') return void process.stdout.write(`Kong ${VERSION} (standin)\n`);
  if (command !== 'docker-start' && command !== 'start') {
    logInfo(`kong ${args.join(' ')}: nothing to do in the stand-in`);
    return;
  }
  const env = process.env;
  const declarative = env.KONG_DECLARATIVE_CONFIG;
  if (env.KONG_DATABASE === 'off' && declarative && !existsSync(declarative)) {
    logError(`init_by_lua error: declarative config file ${declarative} does not exist`);
    process.exit(1);
  }
  const consumers = new Map<string, Consumer>();
  for (const key of [env.SUPABASE_ANON_KEY, env.SUPABASE_PUBLISHABLE_KEY]) {
    if (key) consumers.set(key, { username: 'anon', group: 'anon' });
  }
  for (const key of [env.SUPABASE_SERVICE_KEY, env.SUPABASE_SECRET_KEY]) {
    if (key) consumers.set(key, { username: 'service_role', group: 'admin' });
  }
  const dashboard = { user: env.DASHBOARD_USERNAME ?? '', password: env.DASHBOARD_PASSWORD ?? '' };
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = Date.now();
    countRequest();
    res.on('finish', () => {
      logInfo(
        `${req.socket.remoteAddress ?? '-'} "${req.method ?? '?'} ${req.url ?? ''} HTTP/${req.httpVersion}" ${res.statusCode} ${Date.now() - started}ms`,
      );
    });
    const url = new URL(req.url ?? '/', 'http://kong.invalid');
    const route = ROUTES.find((r) => url.pathname.startsWith(r.path));
    if (!route) return kongError(res, 404, 'no Route matched with those values');
    if (route.cors && req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.writeHead(200, corsHeaders(req, true)).end();
      return;
    }
    const verdict = authorize(route, req, url, consumers, dashboard);
    if (!verdict.ok) return kongError(res, verdict.status, verdict.body, verdict.headers);
    const target = upstreamUrl(route, url);
    const outgoing = forwardedHeaders(req, verdict.headers, target);
    const upstreamStarted = Date.now();
    const upstream = request(
      target,
      { method: req.method, headers: outgoing, agent, timeout: 60_000 },
      (upRes) => {
        const headers: OutgoingHttpHeaders = { ...upRes.headers };
        for (const h of HOP_BY_HOP) delete headers[h];
        Object.assign(headers, route.cors ? corsHeaders(req, false) : {}, {
          via: `kong/${VERSION}`,
          'x-kong-upstream-latency': String(Date.now() - upstreamStarted),
          'x-kong-proxy-latency': String(upstreamStarted - started),
        });
        res.writeHead(upRes.statusCode ?? 502, headers);
        upRes.pipe(res);
      },
    );
    upstream.on('timeout', () => upstream.destroy(new Error('ETIMEDOUT')));
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (res.headersSent) return void res.destroy();
      const [status, message] = upstreamFailure(error);
      logError(`upstream ${target.host} failed: ${describe(error)}`);
      kongError(res, status, message);
    });
    req.pipe(upstream);
  };

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://kong.invalid');
    const route = ROUTES.find((r) => url.pathname.startsWith(r.path));
    const verdict = route?.upstream ? authorize(route, req, url, consumers, dashboard) : undefined;
    if (!route?.upstream || !verdict?.ok) {
      const status = verdict && !verdict.ok ? verdict.status : 404;
      socket.end(
        `HTTP/1.1 ${status} Refused\r\nserver: kong/${VERSION}\r\nconnection: close\r\n\r\n`,
      );
      return;
    }
    const target = upstreamUrl(route, url);
    const headers = { ...verdict.headers, host: target.host };
    const upstream = connect({ host: target.hostname, port: Number(target.port || 80) }, () => {
      const lines = [`${req.method ?? 'GET'} ${target.pathname}${target.search} HTTP/1.1`];
      for (const [name, value] of Object.entries(headers)) {
        for (const v of Array.isArray(value) ? value : [value ?? '']) lines.push(`${name}: ${v}`);
      }
      upstream.write(lines.join('\r\n') + '\r\n\r\n');
      upstream.write(head);
      socket.pipe(upstream);
      upstream.pipe(socket);
      logInfo(`websocket ${url.pathname} -> ${target.href}`);
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      const [status, message] = upstreamFailure(error);
      socket.end(
        `HTTP/1.1 ${status} ${message}\r\nserver: kong/${VERSION}\r\nconnection: close\r\n\r\n`,
      );
    });
    socket.on('close', () => upstream.destroy());
  };

  const proxy = createServer(handle);
  proxy.on('upgrade', upgrade);
  listenOrExit(proxy, 8000);
  const cert = '/etc/kong/ssl/standin.crt';
  const key = '/etc/kong/ssl/standin.key';
  if (existsSync(cert) && existsSync(key)) {
    const tls = createTlsServer({ cert: readFileSync(cert), key: readFileSync(key) }, handle);
    tls.on('upgrade', upgrade);
    listenOrExit(tls, 8443);
  } else {
    logWarn('no TLS certificate in the image: 8443 accepts TCP connections only');
    listenOrExit(
      createTcpServer((s) => s.end()),
      8443,
    );
  }
  const admin = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ database: { reachable: true }, server: { connections_active: 1 } }));
  });
  admin.listen(8001, '127.0.0.1');
  const workers = env.KONG_NGINX_WORKER_PROCESSES ?? 'auto';
  logInfo(
    `nginx stand-in started: proxy 0.0.0.0:8000, 0.0.0.0:8443 ssl; worker_processes ${workers}`,
  );
  logWarn(
    `using declarative config ${declarative ?? '(none)'}; routes are the kit's kong.yml, built in`,
  );
}

function authorize(
  route: Route,
  req: IncomingMessage,
  url: URL,
  consumers: Map<string, Consumer>,
  dashboard: { user: string; password: string },
): Verdict {
  const headers: IncomingHttpHeaders = { ...req.headers };
  if (route.terminate) return { ok: false, status: route.terminate, body: 'Access is forbidden.' };
  if (route.groups) {
    const key = String(req.headers.apikey ?? '') || url.searchParams.get('apikey') || '';
    if (!key) {
      return {
        ok: false,
        status: 401,
        body: 'No API key found in request',
        headers: { 'www-authenticate': 'Key realm="kong"' },
      };
    }
    const consumer = consumers.get(key);
    if (!consumer) return { ok: false, status: 401, body: 'Invalid authentication credentials' };
    if (!route.groups.includes(consumer.group)) {
      return { ok: false, status: 403, body: 'You cannot consume this service' };
    }
    headers['x-consumer-username'] = consumer.username;
  }
  if (route.authFromApikey && !headers.authorization) {
    const key = String(req.headers.apikey ?? '') || url.searchParams.get('apikey') || '';
    if (key) headers.authorization = `Bearer ${key}`;
  }
  if (route.basicAuth) {
    const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) {
      return {
        ok: false,
        status: 401,
        body: 'Unauthorized',
        headers: { 'www-authenticate': 'Basic realm="kong"' },
      };
    }
    const decoded = Buffer.from(match[1] ?? '', 'base64').toString();
    const colon = decoded.indexOf(':');
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    if (
      colon < 0 ||
      !dashboard.user ||
      user !== dashboard.user ||
      password !== dashboard.password
    ) {
      return { ok: false, status: 401, body: 'Invalid authentication credentials' };
    }
    delete headers.authorization;
  }
  return { ok: true, headers };
}

/** strip_path: the rest of the request path after the route prefix goes after the service path. */
function upstreamUrl(route: Route, url: URL): URL {
  const base = new URL(route.upstream ?? 'http://invalid/');
  const rest = url.pathname.slice(route.path.length).replace(/^\/+/, '');
  if (rest) base.pathname = base.pathname.replace(/\/+$/, '') + '/' + rest;
  base.search = url.search;
  return base;
}

function forwardedHeaders(
  req: IncomingMessage,
  headers: IncomingHttpHeaders,
  target: URL,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ...headers };
  for (const h of HOP_BY_HOP) delete out[h];
  const client = req.socket.remoteAddress ?? '';
  const previous = req.headers['x-forwarded-for'];
  out.host = target.host;
  out['x-forwarded-for'] = previous ? `${String(previous)}, ${client}` : client;
  out['x-forwarded-proto'] = 'encrypted' in req.socket ? 'https' : 'http';
  out['x-forwarded-host'] = (req.headers.host ?? '').replace(/:\d+$/, '');
  out['x-forwarded-port'] = String(req.socket.localPort ?? '');
  out['x-forwarded-path'] = new URL(req.url ?? '/', 'http://kong.invalid').pathname;
  out['x-real-ip'] = client;
  return out;
}

function upstreamFailure(error: NodeJS.ErrnoException): [number, string] {
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN')
    return [503, 'name resolution failed'];
  if (error.message === 'ETIMEDOUT' || error.code === 'ETIMEDOUT') {
    return [504, 'The upstream server is timing out'];
  }
  return [502, 'An invalid response was received from the upstream server'];
}

function corsHeaders(req: IncomingMessage, preflight: boolean): Record<string, string> {
  const headers: Record<string, string> = { 'access-control-allow-origin': '*' };
  if (preflight) {
    headers['access-control-allow-methods'] =
      'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT';
    const requested = req.headers['access-control-request-headers'];
    if (requested) headers['access-control-allow-headers'] = String(requested);
    headers['access-control-max-age'] = '3600';
  }
  return headers;
}

function kongError(
  res: ServerResponse,
  status: number,
  message: unknown,
  extra: Record<string, string> = {},
): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    server: `kong/${VERSION}`,
    ...extra,
  });
  res.end(body);
}
