// supabase/realtime: PORT (4000). The tenant comes from the path of the health endpoint and from
// the first label of the Host name on websocket connections (`realtime-dev.supabase-realtime`),
// which is why Kong must reach it under that name. Tokens are checked against API_JWT_SECRET.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { DbProbe, passHealth, targetFromParts } from '../db-probe';
import { sendJson, serveHttp, bearerToken } from '../http-kit';
import { verifyJwt } from '@common/jwt';
import { logInfo, logWarn } from '../log';

const TENANTS = new Set(['realtime-dev']);

export function runRealtime(): void {
  const env = process.env;
  const port = Number(env.PORT ?? '4000');
  const secret = env.API_JWT_SECRET ?? env.JWT_SECRET ?? '';
  const probe = new DbProbe(
    targetFromParts({
      host: env.DB_HOST,
      port: env.DB_PORT,
      user: env.DB_USER,
      password: env.DB_PASSWORD,
      database: env.DB_NAME,
    }),
  );
  const server = serveHttp(port, async (req, res, url) => {
    const health = /^\/api\/tenants\/([^/]+)\/health$/.exec(url.pathname);
    if (health) {
      const token = bearerToken(req.headers.authorization);
      if (!token || !verifyJwt(token, secret).ok) {
        sendJson(res, 403, { message: 'Unauthorized' });
        return;
      }
      if (!TENANTS.has(health[1] ?? '')) {
        sendJson(res, 404, { error: 'Tenant not found' });
        return;
      }
      if (!(await passHealth(res, probe))) return;
      sendJson(res, 200, { data: { healthy: true, db_connected: true, connected_cluster: 1 } });
    } else if (url.pathname === '/healthcheck' || url.pathname === '/api/ping') {
      sendJson(res, 200, { message: 'ok' });
    } else {
      sendJson(res, 404, { error: 'Not found' });
    }
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => acceptSocket(req, socket, secret));
  logInfo(
    `Running RealtimeWeb.Endpoint with Bandit on port ${port}, database ${probe.describeTarget()}`,
  );
}

/** Accepts `/socket/websocket` when the tenant (Host) and the apikey are right; frames are ignored. */
function acceptSocket(req: IncomingMessage, socket: Duplex, secret: string): void {
  const url = new URL(req.url ?? '/', 'http://standin.invalid');
  const tenant = String(req.headers.host ?? '').split('.')[0] ?? '';
  const apikey = url.searchParams.get('apikey') ?? String(req.headers['x-api-key'] ?? '');
  const refuse = (status: string, reason: string): void => {
    logWarn(`websocket refused: ${reason}`);
    socket.end(
      `HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${reason}`,
    );
  };
  if (!url.pathname.startsWith('/socket/websocket')) return refuse('404 Not Found', 'not found');
  if (!TENANTS.has(tenant)) return refuse('403 Forbidden', `Tenant not found: ${tenant}`);
  if (!apikey || !verifyJwt(apikey, secret).ok) return refuse('403 Forbidden', 'invalid apikey');
  const key = String(req.headers['sec-websocket-key'] ?? '');
  const accept = createHash('sha1')
    .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
    .digest('base64');
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n' +
      `sec-websocket-accept: ${accept}\r\n\r\n`,
  );
  logInfo(`websocket connected for tenant ${tenant}`);
  socket.on('data', () => undefined);
  socket.on('error', () => socket.destroy());
}
