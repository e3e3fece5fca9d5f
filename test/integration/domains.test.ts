// Custom domains end to end on the rig, with nothing faked: a real ACME server (Debian's pebble),
// its DNS test server (pebble-challtestsrv answers every name with 127.0.0.1, and whatever this
// file sets), the real Caddy binary in the agent's proxy container (test/rig/standin/build/
// caddy.ts), two real projects on the stand-in images, and the agent itself in this process.
// Needs ports 80 and 443 free on the host (the proxy binds them on the host network).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgQuery } from '@common/pg-client';
import type { DatabaseAccessView, DomainView, Instance } from '@protocol/types';
import type { InstanceSecrets } from '../../remote-agent/src/credentials/secrets';
import { InstanceFiles } from '../../remote-agent/src/instances/files';
import { PROXY_PROJECT } from '../../remote-agent/src/proxy/proxy-project';
import type { Agent } from '../../remote-agent/src/server';
import { ensureStandinImages } from '../rig/images';
import { RpcError, type RpcClient } from './agent-harness';
import {
  docker,
  rigAgentConfig,
  run,
  sleep,
  startRigAgent,
  waitFor,
  waitRunning,
} from './rig-agent';

const ACME_DIR = 'https://127.0.0.1:14000/dir';
const DNS = '127.0.0.1:8053';
const CHALL_MGMT = 'http://127.0.0.1:8055';

/**
 * This host's own address on its main interface: a connection to it from here is DNATed to
 * the container with this address as its source, so Postgres sees a client from outside.
 */
function hostAddress(): string {
  for (const [name, list] of Object.entries(networkInterfaces())) {
    if (/^(lo|docker|br-|veth|ubt)/.test(name)) continue;
    const v4 = list?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  throw new Error('no non-loopback IPv4 address on this host');
}
const HOST_IP = hostAddress();

/** Debian's psql, the password from the environment (never on the command line). */
function psql(conninfo: string, password: string, sql: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'psql',
      [conninfo, '-XAtc', sql],
      { timeout: 30_000, env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '10' } },
      (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout)),
    ),
  );
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** HTTPS to 127.0.0.1:443 as `hostname` (SNI and Host), trusting only `ca`. */
function httpsGet(
  hostname: string,
  path: string,
  ca: string,
  headers: Record<string, string> = {},
) {
  return new Promise<Reply>((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: 443,
        servername: hostname,
        path,
        ca,
        headers: { Host: hostname, ...headers },
        timeout: 15_000,
        // A new connection each time: Node 20's global agent keeps connections alive, and a
        // request on a connection opened before a `domains.update` can still be answered by
        // the server Caddy is gracefully retiring (the old HSTS header, once in CI).
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function httpGet(hostname: string, path: string) {
  return new Promise<Reply>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: 80,
        path,
        headers: { Host: hostname },
        timeout: 15_000,
        agent: false, // see httpsGet
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Pebble's API speaks HTTPS with the throwaway certificate made here. */
function pebbleGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

let work: string;
let dataDir: string;
let agent: Agent;
let client: RpcClient;
let pebble: ChildProcess;
let challtest: ChildProcess;
let pebbleLog = '';
let pebbleApiCa: string;
let first: Instance;
let second: Instance;
let firstSecrets: InstanceSecrets;
let issuingRoot: string;
const numbers: Record<string, string> = {};

function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const collect = (c: Buffer) => {
    if (cmd === 'pebble') pebbleLog += c.toString();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return child;
}

async function createProject(name: string): Promise<Instance> {
  const { instance } = await client.call<{ instance: Instance }>('instances.create', { name });
  return waitRunning(client, instance.id);
}

const domainsOf = async (id: string) =>
  (await client.call<{ domains: DomainView[] }>('domains.list', { id })).domains;

async function containerIds(project: string): Promise<Record<string, string>> {
  const out = await docker(
    'ps',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--format',
    '{{.Label "com.docker.compose.service"}} {{.ID}}',
  );
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')),
  );
}

async function envOf(project: string, service: string, name: string): Promise<string | undefined> {
  const id = (await containerIds(project))[service];
  const env = JSON.parse(
    await docker('inspect', '--format', '{{json .Config.Env}}', id!),
  ) as string[];
  return env.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);
}

beforeAll(async () => {
  const { images } = await ensureStandinImages();
  expect(images.caddy).toBeTruthy();
  work = mkdtempSync(join(tmpdir(), 'ubt-domains-'));
  dataDir = join(work, 'agent');

  // Pebble's own API certificate (127.0.0.1 and localhost), which Caddy is told to trust.
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=pebble',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout',
    join(work, 'pebble.key'),
    '-out',
    join(work, 'pebble.pem'),
  ]);
  pebbleApiCa = readFileSync(join(work, 'pebble.pem'), 'utf8');
  writeFileSync(
    join(work, 'pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: '127.0.0.1:14000',
        managementListenAddress: '127.0.0.1:15000',
        certificate: join(work, 'pebble.pem'),
        privateKey: join(work, 'pebble.key'),
        httpPort: 80,
        tlsPort: 443,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  challtest = start('pebble-challtestsrv', [
    '-defaultIPv4',
    '127.0.0.1',
    '-defaultIPv6',
    '',
    '-dns01',
    DNS,
    '-http01',
    '',
    '-https01',
    '',
    '-tlsalpn01',
    '',
    '-management',
    '127.0.0.1:8055',
  ]);
  pebble = start('pebble', ['-config', join(work, 'pebble.json'), '-dnsserver', DNS], {
    PEBBLE_VA_NOSLEEP: '1',
    PEBBLE_WFE_NONCEREJECT: '0',
  });
  await waitFor(
    'pebble',
    () =>
      pebbleGet(ACME_DIR, pebbleApiCa).then(
        (b) => (b.includes('newOrder') ? true : undefined),
        () => undefined,
      ),
    30_000,
  );
  // A name that exists but points elsewhere: the agent must refuse it before any order.
  await waitFor(
    'the DNS test server',
    async () => {
      const res = await fetch(`${CHALL_MGMT}/add-a`, {
        method: 'POST',
        body: JSON.stringify({ host: 'elsewhere.acme.test.', addresses: ['203.0.113.9'] }),
      }).catch(() => undefined);
      return res?.ok ? true : undefined;
    },
    30_000,
  );

  const config = rigAgentConfig({
    images,
    creationConcurrency: 2,
    // Ranges of this file's own, apart from the other rig files'.
    portRanges: {
      kongHttp: [23000, 23399],
      kongHttps: [23400, 23799],
      postgres: [24000, 24399],
      poolerTransaction: [24400, 24799],
    },
    autoRepair: false,
    proxy: {
      acmeDirectory: ACME_DIR,
      acmeCaRoot: join(work, 'pebble.pem'),
      email: 'ops@acme.test',
      // The names resolve to 127.0.0.1 (the DNS test server); the host's own address is the
      // public one Postgres is published on when it is opened to the internet.
      serverAddresses: ['127.0.0.1', HOST_IP],
      dnsServers: [DNS],
    },
  });
  ({ agent, client } = await startRigAgent({
    dataDir,
    config,
    healthTimeoutMs: 300_000,
    startScheduler: false,
  }));
  const started = Date.now();
  [first, second] = await Promise.all([createProject('shop'), createProject('blog')]);
  numbers['two projects created (s)'] = ((Date.now() - started) / 1000).toFixed(1);
  firstSecrets = await new InstanceFiles(dataDir).readSecrets(first.id);
}, 900_000);

afterAll(async () => {
  console.log('domains rig numbers:', numbers);
  for (const instance of [first, second]) {
    if (instance)
      await client?.call('instances.delete', { id: instance.id }).catch(() => undefined);
  }
  await agent?.close();
  const proxy = await docker(
    'ps',
    '-aq',
    '--filter',
    `label=com.docker.compose.project=${PROXY_PROJECT}`,
  ).catch(() => '');
  const ids = proxy.split('\n').filter(Boolean);
  if (ids.length) await docker('rm', '-f', ...ids).catch(() => undefined);
  pebble?.kill();
  challtest?.kill();
  if (work) await rm(work, { recursive: true, force: true });
}, 300_000);

describe('custom domains with a real ACME server and Caddy', () => {
  it('gets a certificate for api.acme.test and serves the API through Kong over HTTPS', async () => {
    const before = await containerIds(first.project);
    const added = Date.now();
    const { domain } = await client.call<{ domain: DomainView }>('domains.add', {
      id: first.id,
      hostname: 'api.acme.test',
    });
    numbers['domains.add returned (s)'] = ((Date.now() - added) / 1000).toFixed(1);
    expect(domain.records).toEqual([
      { type: 'A', name: 'api.acme.test', value: '127.0.0.1' },
      { type: 'A', name: 'api.acme.test', value: HOST_IP },
    ]);

    const active = await waitFor(
      'the certificate',
      async () => {
        const [d] = await domainsOf(first.id);
        return d?.certificate.state === 'active' ? d : undefined;
      },
      240_000,
    );
    numbers['certificate issued after add (s)'] = ((Date.now() - added) / 1000).toFixed(1);
    expect(active.certificate.expiresAt! > new Date().toISOString()).toBe(true);
    expect(active.certificate.renewedAt).toBeTruthy();

    // Verified against Pebble's issuing root, which changes at every Pebble start.
    issuingRoot = await pebbleGet('https://127.0.0.1:15000/roots/0', pebbleApiCa);
    expect(issuingRoot).toContain('BEGIN CERTIFICATE');
    const withKey = await httpsGet('api.acme.test', '/rest/v1/', issuingRoot, {
      apikey: firstSecrets.anonKey,
      Authorization: `Bearer ${firstSecrets.anonKey}`,
    });
    expect(withKey.status).toBe(200);
    expect(String(withKey.headers.via)).toContain('kong');
    const withoutKey = await httpsGet('api.acme.test', '/rest/v1/', issuingRoot);
    expect(withoutKey.status).toBe(401);
    expect(withoutKey.body).toContain('No API key found in request');
    // An API name does not expose Studio or postgres-meta.
    expect((await httpsGet('api.acme.test', '/', issuingRoot)).status).toBe(404);
    expect((await httpsGet('api.acme.test', '/pg/tables', issuingRoot)).status).toBe(404);

    const redirect = await httpGet('api.acme.test', '/rest/v1/?select=1');
    expect([301, 308]).toContain(redirect.status);
    expect(redirect.headers.location).toBe('https://api.acme.test/rest/v1/?select=1');

    // The project follows its domain: advertised URLs and the stack's own public URL.
    const { instance } = await client.call<{ instance: Instance }>('instances.get', {
      id: first.id,
    });
    expect(instance.urls.api).toBe('https://api.acme.test');
    expect(instance.urls.studio).toBe(first.urls.studio);
    expect(await envOf(first.project, 'auth', 'API_EXTERNAL_URL')).toBe('https://api.acme.test');
    expect(await envOf(first.project, 'studio', 'SUPABASE_PUBLIC_URL')).toBe(
      'https://api.acme.test',
    );
    // The site URL had its default: it follows the domain too.
    expect(await envOf(first.project, 'auth', 'GOTRUE_SITE_URL')).toBe('https://api.acme.test');
    // The smallest restart: only the services carrying the URL were recreated.
    const after = await containerIds(first.project);
    const recreated = Object.keys(before)
      .filter((s) => before[s] !== after[s])
      .sort();
    numbers['services recreated for the URL'] = recreated.join(',');
    expect(recreated).toEqual(['auth', 'functions', 'storage', 'studio']);
    // A private project stays private on its ports.
    const ports = await docker('port', after.kong!);
    expect(ports).toMatch(/127\.0\.0\.1:\d+/);
    expect(ports).not.toMatch(/0\.0\.0\.0/);
  }, 400_000);

  it('adding a second project’s domain does not interrupt a long request to the first', async () => {
    const db = {
      host: '127.0.0.1',
      port: first.ports.postgres,
      user: `postgres.${firstSecrets.poolerTenantId}`,
      password: firstSecrets.postgresPassword,
      database: 'postgres',
    };
    await waitFor(
      'the table',
      () =>
        pgQuery(
          db,
          ['CREATE TABLE IF NOT EXISTS slow_probe (v text)', 'GRANT ALL ON slow_probe TO anon'],
          {
            timeoutMs: 10_000,
          },
        ).then(
          () => true,
          () => undefined,
        ),
      60_000,
    );
    // A POST whose body trickles in for ~8 s: PostgREST answers only once it has all of it.
    const longRequest = new Promise<Reply>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: 443,
          servername: 'api.acme.test',
          method: 'POST',
          path: '/rest/v1/slow_probe',
          ca: issuingRoot,
          headers: {
            Host: 'api.acme.test',
            apikey: firstSecrets.anonKey,
            Authorization: `Bearer ${firstSecrets.anonKey}`,
            'Content-Type': 'application/json',
            'Transfer-Encoding': 'chunked',
          },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.write('[{"v":"');
      let sent = 0;
      const timer = setInterval(() => {
        if (sent++ < 40) {
          req.write('x');
          return;
        }
        clearInterval(timer);
        req.end('"}]');
      }, 200);
    });
    await sleep(1500);
    const started = Date.now();
    await client.call('domains.add', {
      id: second.id,
      hostname: 'blog.acme.test',
      target: 'both',
      hsts: true,
    });
    numbers['second domains.add during the long request (s)'] = (
      (Date.now() - started) /
      1000
    ).toFixed(1);
    const reply = await longRequest;
    expect(reply.status).toBe(201);
    const rows = await pgQuery(db, ['SELECT v FROM slow_probe'], { timeoutMs: 10_000 });
    expect(rows[0]!.rows).toEqual([['x'.repeat(40)]]);

    // The second name works too, with HSTS, and the first still answers.
    await waitFor(
      'the second certificate',
      async () =>
        (await domainsOf(second.id))[0]?.certificate.state === 'active' ? true : undefined,
      240_000,
    );
    const blog = await httpsGet('blog.acme.test', '/rest/v1/', issuingRoot);
    expect(blog.status).toBe(401);
    expect(blog.headers['strict-transport-security']).toBe('max-age=31536000');
    // Studio on the same name by path, still behind Kong's basic auth.
    const studio = await httpsGet('blog.acme.test', '/', issuingRoot);
    expect(studio.status).toBe(401);
    expect(String(studio.headers['www-authenticate'])).toContain('Basic');

    // HSTS and the Studio allow-list change after adding, by a graceful load only.
    const blogBefore = await containerIds(second.project);
    await client.call('domains.update', {
      id: second.id,
      hostname: 'blog.acme.test',
      hsts: false,
      studioAllowIps: ['192.0.2.0/24'],
    });
    const noHsts = await httpsGet('blog.acme.test', '/rest/v1/', issuingRoot);
    expect(noHsts.status).toBe(401);
    expect(noHsts.headers['strict-transport-security']).toBeUndefined();
    // This test connects from 127.0.0.1, outside the allowed range: Studio says no, the API
    // paths on the same name still answer.
    expect((await httpsGet('blog.acme.test', '/', issuingRoot)).status).toBe(403);
    await client.call('domains.update', {
      id: second.id,
      hostname: 'blog.acme.test',
      hsts: true,
      studioAllowIps: [],
    });
    expect((await httpsGet('blog.acme.test', '/', issuingRoot)).status).toBe(401);
    expect(
      (await httpsGet('blog.acme.test', '/rest/v1/', issuingRoot)).headers[
        'strict-transport-security'
      ],
    ).toBe('max-age=31536000');
    expect(await containerIds(second.project)).toEqual(blogBefore);
  }, 400_000);

  it('refuses a name that does not resolve to the server before any ACME order, with the record', async () => {
    const ordersBefore = pebbleLog.length;
    let error: RpcError | undefined;
    try {
      await client.call('domains.add', { id: first.id, hostname: 'elsewhere.acme.test' });
    } catch (e) {
      error = e as RpcError;
    }
    expect(error?.code).toBe('DOMAIN_DNS_MISMATCH');
    expect(error?.error.data.records).toEqual([
      { type: 'A', name: 'elsewhere.acme.test', value: '127.0.0.1' },
      { type: 'A', name: 'elsewhere.acme.test', value: HOST_IP },
    ]);
    expect(error?.error.data.found).toEqual(['203.0.113.9']);
    expect(error?.message).toContain('elsewhere.acme.test. A 127.0.0.1');
    await sleep(2000);
    expect(pebbleLog.slice(ordersBefore)).not.toContain('elsewhere.acme.test');
    // Pebble's log names every name it validates (so the check above could fail), and Caddy
    // never heard of the refused one.
    expect(pebbleLog).toContain('api.acme.test');
    const caddyConfig = readFileSync(join(dataDir, 'proxy', 'config', 'caddy.json'), 'utf8');
    expect(caddyConfig).toContain('api.acme.test');
    expect(caddyConfig).not.toContain('elsewhere');
    expect((await domainsOf(first.id)).map((d) => d.hostname)).toEqual(['api.acme.test']);
  });

  it('opens Postgres to the internet with TLS only, on the domain’s certificate, and closes it again', async () => {
    const password = firstSecrets.postgresPassword;
    const rootFile = join(work, 'pebble-root.pem');
    writeFileSync(rootFile, issuingRoot);
    const port = first.ports.postgres;
    const outside = (sslmode: string) =>
      `host=api.acme.test hostaddr=${HOST_IP} port=${port} user=postgres dbname=postgres sslmode=${sslmode} sslrootcert=${rootFile}`;
    const local = `host=127.0.0.1 port=${port} user=postgres.${firstSecrets.poolerTenantId} dbname=postgres sslmode=disable`;
    // Off (the default): nothing listens on the public address.
    await expect(psql(outside('require'), password, 'select 1')).rejects.toThrow(
      /refused|could not connect/i,
    );

    const before = await containerIds(first.project);
    const started = Date.now();
    const { access } = await client.call<{ access: DatabaseAccessView }>('domains.database.set', {
      id: first.id,
      enabled: true,
    });
    numbers['Postgres over the internet on (s)'] = ((Date.now() - started) / 1000).toFixed(1);
    expect(access).toMatchObject({ enabled: true, hostname: 'api.acme.test', port });
    expect(access.uri).toBe(
      `postgresql://postgres@api.acme.test:${port}/postgres?sslmode=verify-full`,
    );
    // The smallest restart: Postgres alone (a private project's pooler keeps its binding).
    const after = await containerIds(first.project);
    numbers['services recreated for Postgres TLS'] = Object.keys(before)
      .filter((s) => before[s] !== after[s])
      .sort()
      .join(',');
    expect(
      Object.keys(before)
        .filter((s) => before[s] !== after[s])
        .sort(),
    ).toEqual(['db']);

    // TLS verified against Pebble's root, for the name in the certificate.
    const ssl = await psql(
      outside('verify-full'),
      password,
      'select ssl from pg_stat_ssl where pid = pg_backend_pid()',
    );
    expect(ssl.trim()).toBe('t');
    // A plain connection from outside is refused by Postgres itself.
    await expect(psql(outside('disable'), password, 'select 1')).rejects.toThrow(
      /no pg_hba\.conf entry.*no encryption/,
    );
    // Postgres only on the public address; the pooler keeps 127.0.0.1 for the local tunnel.
    expect(await docker('port', after.db!)).toMatch(
      new RegExp(`^5432/tcp -> ${HOST_IP.replace(/\./g, '\\.')}:${port}\\s*$`),
    );
    expect((await psql(local, password, 'select 1')).trim()).toBe('1');
    // Renewal: a new pair is written and Postgres rereads it (pg_reload_conf), no restart. A
    // foreign certificate put in place first proves the reread is real (verification fails).
    const tlsDir = join(dataDir, 'instances', first.id, 'volumes/db/tls');
    const owner = statSync(join(tlsDir, 'server.key'));
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=api.acme.test',
      '-addext',
      'subjectAltName=DNS:api.acme.test',
      '-keyout',
      join(tlsDir, 'server.key'),
      '-out',
      join(tlsDir, 'server.crt'),
    ]);
    chownSync(join(tlsDir, 'server.key'), owner.uid, owner.gid);
    const reload = await docker(
      'exec',
      after.db!,
      'psql',
      '-h',
      '/var/run/postgresql',
      '-U',
      'supabase_admin',
      '-d',
      'postgres',
      '-w',
      '-XAtc',
      'select pg_reload_conf()',
    );
    expect(reload.trim()).toBe('t');
    await waitFor(
      'Postgres to serve the foreign certificate',
      () =>
        psql(outside('verify-full'), password, 'select 1').then(
          () => undefined,
          // Refused for the certificate, not for a database that went away.
          (e: Error) => (/certificate verify failed/.test(e.message) ? true : undefined),
        ),
      10_000,
    );
    await client.call('domains.database.set', { id: first.id, enabled: true });
    await waitFor(
      'Postgres to serve the domain’s certificate again',
      () =>
        psql(outside('verify-full'), password, 'select 1').then(
          () => true,
          () => undefined,
        ),
      10_000,
    );
    expect((await containerIds(first.project)).db).toBe(after.db);

    // The domain it uses cannot be removed from under it.
    await expect(
      client.call('domains.remove', { id: first.id, hostname: 'api.acme.test' }),
    ).rejects.toMatchObject({ code: 'INVALID_STATE' });

    const { access: off } = await client.call<{ access: DatabaseAccessView }>(
      'domains.database.set',
      { id: first.id, enabled: false },
    );
    expect(off).toEqual({ enabled: false, port });
    // No copy of the key stays in the project once Postgres no longer uses it.
    expect(existsSync(join(dataDir, 'instances', first.id, 'volumes/db/tls'))).toBe(false);
    const closed = await containerIds(first.project);
    expect((await docker('port', closed.db!)).trim()).toBe('');
    expect(await docker('port', closed.supavisor!)).toContain(`127.0.0.1:${port}`);
    await expect(psql(outside('require'), password, 'select 1')).rejects.toThrow(
      /refused|could not connect/i,
    );
    expect((await psql(local, password, 'select 1')).trim()).toBe('1');
  }, 400_000);

  it('removing a domain removes its route and certificate, and the URLs switch back', async () => {
    const storage = join(dataDir, 'proxy', 'data', 'storage', 'certificates');
    const issuerDirs = readdirSync(storage);
    expect(issuerDirs.some((d) => existsSync(join(storage, d, 'api.acme.test')))).toBe(true);
    await client.call('domains.remove', { id: first.id, hostname: 'api.acme.test' });
    expect(readdirSync(storage).some((d) => existsSync(join(storage, d, 'api.acme.test')))).toBe(
      false,
    );
    expect(await domainsOf(first.id)).toEqual([]);
    // No route: no certificate is served for the name and no redirect is made for it.
    await expect(httpsGet('api.acme.test', '/rest/v1/', issuingRoot)).rejects.toThrow();
    // Caddy redirects any name on port 80 (a catch-all), so the config is what tells.
    const caddyConfig = readFileSync(join(dataDir, 'proxy', 'config', 'caddy.json'), 'utf8');
    expect(caddyConfig).not.toContain('api.acme.test');
    expect(caddyConfig).toContain('blog.acme.test');
    const { instance } = await client.call<{ instance: Instance }>('instances.get', {
      id: first.id,
    });
    expect(instance.urls.api).toBe(first.urls.api);
    expect(await envOf(first.project, 'auth', 'API_EXTERNAL_URL')).toBe(first.urls.api);
    expect(await envOf(first.project, 'auth', 'GOTRUE_SITE_URL')).toBe('http://localhost:3000');
    // The other project's name is untouched.
    expect((await httpsGet('blog.acme.test', '/rest/v1/', issuingRoot)).status).toBe(401);
  }, 300_000);
});
