// supabase/logflare (analytics): PORT (4000). Like Logflare it only starts serving once it can
// log in to its database (DB_HOSTNAME/DB_PORT/DB_USERNAME/DB_PASSWORD/DB_DATABASE, `_supabase`),
// since the kit's healthcheck (`curl http://localhost:4000/health`, no -f) passes on any answer.
import { DbProbe, targetFromParts, targetFromUrl } from '../db-probe';
import { passHealthFault, readBody, sendJson, serveHttp } from '../http-kit';
import { logInfo } from '../log';

export function runLogflare(): void {
  const env = process.env;
  const port = Number(env.PORT ?? '4000');
  const probe = new DbProbe(
    targetFromParts({
      host: env.DB_HOSTNAME,
      port: env.DB_PORT,
      user: env.DB_USERNAME,
      password: env.DB_PASSWORD,
      database: env.DB_DATABASE,
    }) ?? targetFromUrl(env.POSTGRES_BACKEND_URL),
  );
  let ingested = 0;
  const start = async (): Promise<void> => {
    while (!(await probe.check()).ok) await new Promise((r) => setTimeout(r, 1000));
    serveHttp(port, async (req, res, url) => {
      if (url.pathname === '/health') {
        if (passHealthFault(res))
          sendJson(res, 200, { status: 'ok', nodes: ['standin@127.0.0.1'] });
      } else if (url.pathname === '/api/logs' && req.method === 'POST') {
        ingested += (await readBody(req, 16 << 20)).length;
        sendJson(res, 200, { message: 'Logged!' });
      } else if (url.pathname.startsWith('/api/endpoints/query/')) {
        sendJson(res, 200, { result: [] });
      } else {
        sendJson(res, 404, { error: 'Not Found' });
      }
    });
    logInfo(`Running LogflareWeb.Endpoint on port ${port}`);
  };
  void start();
  setInterval(() => ingested > 0 && logInfo(`ingested ${ingested} bytes so far`), 60_000).unref();
}
