// supabase/storage-api: port 5000, `/status` for the health check, database from DATABASE_URL
// (supabase_storage_admin), tokens checked against PGRST_JWT_SECRET (AUTH_JWT_SECRET in newer
// versions). `GET /bucket` lists storage.buckets.
import { DbProbe, passHealth, targetFromUrl } from '../db-probe';
import { sendJson, serveHttp, bearerToken } from '../http-kit';
import { verifyJwt } from '@common/jwt';
import { logInfo } from '../log';
import { pgQuery } from '@common/pg-client';

export function runStorage(): void {
  const env = process.env;
  const port = Number(env.SERVER_PORT ?? env.PORT ?? '5000');
  const target = targetFromUrl(env.DATABASE_URL);
  const probe = new DbProbe(target);
  const secret = env.AUTH_JWT_SECRET ?? env.PGRST_JWT_SECRET ?? '';
  serveHttp(port, async (req, res, url) => {
    if (url.pathname === '/status') {
      if (await passHealth(res, probe)) res.writeHead(200).end();
    } else if (url.pathname === '/version') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('v1.44.2-standin');
    } else if (url.pathname === '/bucket' || url.pathname === '/bucket/') {
      const token = bearerToken(req.headers.authorization);
      const check = token ? verifyJwt(token, secret) : undefined;
      if (!check?.ok) {
        const message = check ? check.reason : 'headers must have required property authorization';
        sendJson(res, 400, { statusCode: '403', error: 'Unauthorized', message });
        return;
      }
      if (!target || !(await passHealth(res, probe))) return;
      const sql = `SELECT coalesce(json_agg(b ORDER BY b.name), '[]')::text FROM storage.buckets b`;
      const results = await pgQuery(target, sql);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(results[0]?.rows[0]?.[0] ?? '[]');
    } else {
      sendJson(res, 404, { statusCode: '404', error: 'Not Found', message: 'Route not found' });
    }
  });
  logInfo(`Server listening at http://0.0.0.0:${port}, database ${probe.describeTarget()}`);
}
