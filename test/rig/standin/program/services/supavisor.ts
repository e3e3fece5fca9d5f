// supabase/supavisor (pooler): HTTP API on PORT (4000) with /api/health; Postgres session port
// PROXY_PORT_SESSION (5432) and transaction port PROXY_PORT_TRANSACTION (6543), both forwarded
// byte for byte to the database, so the client really authenticates against Postgres. Like
// Supavisor, the user name carries the tenant (`postgres.<POOLER_TENANT_ID>`); the suffix is
// checked and removed before the startup message goes on. The kit's command runs
// `/app/bin/migrate`, `/app/bin/supavisor eval …` and `/app/bin/server`, provided here.
import { connect, createServer, type Socket } from 'node:net';
import { DbProbe, targetFromUrl } from '../db-probe';
import { listenOrExit, passHealthFault, sendText, serveHttp } from '../http-kit';
import { describe, logError, logInfo } from '../log';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

export async function runSupavisorMigrate(): Promise<void> {
  const probe = new DbProbe(targetFromUrl(process.env.DATABASE_URL));
  // Patient, so it also works without the kit's depends_on (db: service_healthy).
  for (let attempt = 1; attempt <= 120; attempt++) {
    if ((await probe.check()).ok) {
      logInfo('Migrations already up');
      process.exit(0);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  logError('migrations failed: database unreachable');
  process.exit(1);
}

export function runSupavisorCli(args: string[]): void {
  if (args[0] === 'eval') logInfo(`eval: ${(args[1] ?? '').length} bytes of Elixir accepted`);
  else if (args[0] === 'version') process.stdout.write('2.7.4-standin\n');
  process.exit(0);
}

export function runSupavisor(): void {
  const env = process.env;
  const fromUrl = targetFromUrl(env.DATABASE_URL);
  const dbHost =
    env.POSTGRES_HOST && !env.POSTGRES_HOST.startsWith('/')
      ? env.POSTGRES_HOST
      : (fromUrl?.host ?? 'db');
  const dbPort = Number(env.POSTGRES_PORT ?? fromUrl?.port ?? '5432');
  const tenant = env.POOLER_TENANT_ID ?? '';
  const port = Number(env.PORT ?? '4000');

  serveHttp(port, (_req, res, url) => {
    if (url.pathname === '/api/health') {
      if (passHealthFault(res)) res.writeHead(204).end();
    } else if (url.pathname === '/metrics') {
      sendText(res, 200, '# stand-in: no metrics\n');
    } else sendText(res, 404, 'Not Found');
  });
  for (const [mode, listenPort] of [
    ['session', Number(env.PROXY_PORT_SESSION ?? '5432')],
    ['transaction', Number(env.PROXY_PORT_TRANSACTION ?? '6543')],
  ] as const) {
    const server = createServer((client) => proxyClient(client, mode, dbHost, dbPort, tenant));
    listenOrExit(server, listenPort);
  }
  logInfo(`Proxy started: tenant ${tenant || '(any)'} -> ${dbHost}:${dbPort}, API on ${port}`);
}

function proxyClient(
  client: Socket,
  mode: string,
  host: string,
  port: number,
  tenant: string,
): void {
  let buffered = Buffer.alloc(0);
  client.on('error', () => client.destroy());
  const onData = (chunk: Buffer): void => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 8) {
      const length = buffered.readUInt32BE(0);
      if (length < 8 || length > 10_000) return void client.destroy();
      if (buffered.length < length) return;
      const code = buffered.readUInt32BE(4);
      const message = buffered.subarray(0, length);
      buffered = buffered.subarray(length);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        client.write('N');
        continue;
      }
      client.off('data', onData);
      client.pause();
      if (code === CANCEL_REQUEST) {
        connect({ host, port }, function (this: Socket) {
          this.end(message);
        }).on('error', () => undefined);
        client.end();
        return;
      }
      const params = parseStartup(message);
      const user = params.get('user') ?? '';
      if (tenant) {
        if (!user.endsWith(`.${tenant}`)) {
          logError(`ClientHandler: Tenant or user not found: user=${user} mode=${mode}`);
          client.end(errorMessage('Tenant or user not found'));
          return;
        }
        params.set('user', user.slice(0, -tenant.length - 1));
      }
      forward(
        client,
        host,
        port,
        Buffer.concat([buildStartup(params, code), buffered]),
        params,
        mode,
      );
      return;
    }
  };
  client.on('data', onData);
}

function forward(
  client: Socket,
  host: string,
  port: number,
  first: Buffer,
  params: Map<string, string>,
  mode: string,
): void {
  const upstream = connect({ host, port });
  upstream.on('connect', () => {
    logInfo(
      `ClientHandler: ${mode} client user=${params.get('user') ?? ''} db=${params.get('database') ?? ''}`,
    );
    upstream.write(first);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  });
  upstream.on('error', (error) => {
    logError(`DbHandler: cannot reach ${host}:${port}: ${describe(error)}`);
    if (!client.destroyed) client.end(errorMessage(`database unreachable: ${describe(error)}`));
  });
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
}

function parseStartup(message: Buffer): Map<string, string> {
  const params = new Map<string, string>();
  let offset = 8;
  for (;;) {
    const keyEnd = message.indexOf(0, offset);
    if (keyEnd <= offset) break;
    const valueEnd = message.indexOf(0, keyEnd + 1);
    if (valueEnd < 0) break;
    params.set(
      message.toString('utf8', offset, keyEnd),
      message.toString('utf8', keyEnd + 1, valueEnd),
    );
    offset = valueEnd + 1;
  }
  return params;
}

function buildStartup(params: Map<string, string>, protocol: number): Buffer {
  const body = Buffer.concat([
    ...[...params].flatMap(([k, v]) => [Buffer.from(`${k}\0`), Buffer.from(`${v}\0`)]),
    Buffer.from([0]),
  ]);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length + 8, 0);
  head.writeUInt32BE(protocol, 4);
  return Buffer.concat([head, body]);
}

function errorMessage(text: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0CXX000\0M${text}\0\0`);
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeUInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}
