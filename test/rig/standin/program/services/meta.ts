// supabase/postgres-meta: PG_META_PORT (8080), database from PG_META_DB_* (supabase_admin).
// `/health`, and a few real endpoints backed by SQL: POST /query, GET /schemas, GET /tables.
import { DbProbe, passHealth, targetFromParts, targetFromUrl } from '../db-probe';
import { readBody, sendJson, serveHttp } from '../http-kit';
import { logInfo } from '../log';
import { PgError, pgQuery } from '@common/pg-client';
import { rowsAsObjects } from '../pg-sql';

export function runMeta(): void {
  const env = process.env;
  const port = Number(env.PG_META_PORT ?? '8080');
  const target =
    targetFromUrl(env.PG_META_DB_URL) ??
    targetFromParts({
      host: env.PG_META_DB_HOST,
      port: env.PG_META_DB_PORT,
      user: env.PG_META_DB_USER,
      password: env.PG_META_DB_PASSWORD,
      database: env.PG_META_DB_NAME,
    });
  const probe = new DbProbe(target);
  const sqlFor: Record<string, string> = {
    '/schemas': `SELECT oid::int AS id, nspname AS name, pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY nspname`,
    '/tables': `SELECT c.oid::int AS id, n.nspname AS schema, c.relname AS name, c.relrowsecurity AS rls_enabled FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 2, 3`,
  };
  serveHttp(port, async (req, res, url) => {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/health') {
      if (await passHealth(res, probe)) sendJson(res, 200, { date: new Date().toISOString() });
    } else if (path === '/') {
      sendJson(res, 200, {
        status: 200,
        name: '@supabase/postgres-meta',
        version: '0.95.2-standin',
      });
    } else if (!target) {
      sendJson(res, 500, { error: 'no database configured' });
    } else if (path === '/query' && req.method === 'POST') {
      const { query } = JSON.parse((await readBody(req)).toString() || '{}') as { query?: string };
      try {
        const results = await pgQuery(target, query ?? '', { timeoutMs: 30_000 });
        const last = results.at(-1);
        sendJson(res, 200, last ? rowsAsObjects(last) : []);
      } catch (error) {
        if (!(error instanceof PgError)) throw error;
        sendJson(res, 400, { error: error.message, code: error.code });
      }
    } else if (sqlFor[path] !== undefined && req.method === 'GET') {
      const results = await pgQuery(target, sqlFor[path] ?? '');
      sendJson(res, 200, results[0] ? rowsAsObjects(results[0]) : []);
    } else {
      sendJson(res, 404, { message: `Route ${req.method ?? ''}:${path} not found` });
    }
  });
  logInfo(`Server listening at http://0.0.0.0:${port}, database ${probe.describeTarget()}`);
}
