// postgrest/postgrest (REST): port PGRST_SERVER_PORT (3000), logs in as the user of PGRST_DB_URI
// (authenticator) and switches to the role of the request's JWT (PGRST_JWT_SECRET) or to
// PGRST_DB_ANON_ROLE, like PostgREST. Serves GET (read rows) and POST (insert rows) on tables of
// the first schema in PGRST_DB_SCHEMAS, and a small OpenAPI document at `/`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DbProbe, passHealth, targetFromUrl } from '../db-probe';
import { readBody, sendJson, serveHttp, bearerToken } from '../http-kit';
import { verifyJwt, type JwtClaims } from '@common/jwt';
import { logInfo } from '../log';
import { PgError, pgQuery, type PgTarget } from '@common/pg-client';
import { quoteIdent, quoteLiteral } from '../pg-sql';

const NAME = /^[A-Za-z_][A-Za-z0-9_$]*$/;

export function runPostgrest(): void {
  const env = process.env;
  const target = targetFromUrl(env.PGRST_DB_URI);
  const probe = new DbProbe(target);
  const port = Number(env.PGRST_SERVER_PORT ?? '3000');
  const schemas = (env.PGRST_DB_SCHEMAS ?? 'public').split(',').map((s) => s.trim());
  const maxRows = Number(env.PGRST_DB_MAX_ROWS ?? '1000');
  const unhealthy = (error: string) => ({
    code: 'PGRST000',
    details: error,
    hint: null,
    message: 'Database connection error. Retrying the connection.',
  });

  serveHttp(port, async (req, res, url) => {
    if (!(await passHealth(res, probe, unhealthy)) || !target) return;
    const role = requestRole(req, res);
    if (!role) return;
    const schema =
      String(req.headers['accept-profile'] ?? req.headers['content-profile'] ?? '') ||
      schemas[0] ||
      'public';
    const table = url.pathname.replace(/^\/+|\/+$/g, '');
    if (table === '') await openApi(res, target, role, schema);
    else if (!NAME.test(table)) sendJson(res, 404, notFound(table));
    else if (req.method === 'GET' || req.method === 'HEAD') {
      const limit = Math.min(Number(url.searchParams.get('limit') ?? maxRows) || maxRows, maxRows);
      const sql = `SELECT coalesce(json_agg(t), '[]')::text FROM (SELECT * FROM ${quoteIdent(schema)}.${quoteIdent(table)} LIMIT ${limit}) t`;
      await respondWithRows(res, target, role, schema, sql, 200);
    } else if (req.method === 'POST') {
      const body = (await readBody(req)).toString() || '[]';
      const rows = body.trim().startsWith('[') ? body : `[${body}]`;
      const qualified = `${quoteIdent(schema)}.${quoteIdent(table)}`;
      const sql = `WITH ins AS (INSERT INTO ${qualified} SELECT * FROM json_populate_recordset(NULL::${qualified}, ${quoteLiteral(rows)}) RETURNING *) SELECT coalesce(json_agg(ins), '[]')::text FROM ins`;
      const wantsRows = String(req.headers.prefer ?? '').includes('return=representation');
      await respondWithRows(res, target, role, schema, sql, 201, !wantsRows);
    } else {
      sendJson(res, 405, { code: 'PGRST117', message: `Unsupported HTTP method: ${req.method}` });
    }
  });

  if (env.PGRST_ADMIN_SERVER_PORT) {
    serveHttp(Number(env.PGRST_ADMIN_SERVER_PORT), async (_req, res, url) => {
      if (url.pathname === '/live') res.writeHead(200).end();
      else if (url.pathname === '/ready') {
        if (await passHealth(res, probe, unhealthy)) res.writeHead(200).end();
      } else res.writeHead(404).end();
    });
  }
  logInfo(
    `Listening on port ${port}; database ${probe.describeTarget()}, schemas ${schemas.join(',')}`,
  );

  function requestRole(req: IncomingMessage, res: ServerResponse): JwtClaims | undefined {
    const token = bearerToken(req.headers.authorization);
    if (!token) {
      if (env.PGRST_DB_ANON_ROLE) return { role: env.PGRST_DB_ANON_ROLE };
      sendJson(res, 401, { code: 'PGRST302', message: 'Anonymous access is disabled' });
      return undefined;
    }
    const check = verifyJwt(token, env.PGRST_JWT_SECRET ?? '');
    if (!check.ok) {
      sendJson(res, 401, {
        code: 'PGRST301',
        details: null,
        hint: null,
        message: `JWT rejected: ${check.reason}`,
      });
      return undefined;
    }
    return { ...check.claims, role: check.claims.role ?? env.PGRST_DB_ANON_ROLE ?? 'anon' };
  }

  function notFound(table: string): unknown {
    return {
      code: 'PGRST205',
      details: null,
      hint: null,
      message: `Could not find the table '${table}' in the schema cache`,
    };
  }

  async function respondWithRows(
    res: ServerResponse,
    db: PgTarget,
    claims: JwtClaims,
    schema: string,
    sql: string,
    status: number,
    empty = false,
  ): Promise<void> {
    try {
      const results = await pgQuery(db, asRole(claims, schema, sql));
      const json = results.at(-2)?.rows[0]?.[0] ?? '[]';
      if (empty) res.writeHead(status).end();
      else {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(json);
      }
    } catch (error) {
      if (!(error instanceof PgError)) throw error;
      const anonymous = claims.role === env.PGRST_DB_ANON_ROLE;
      const code =
        error.code === '42P01' ? 404 : error.code === '42501' ? (anonymous ? 401 : 403) : 400;
      sendJson(res, code, { code: error.code, details: null, hint: null, message: error.message });
    }
  }

  async function openApi(
    res: ServerResponse,
    db: PgTarget,
    claims: JwtClaims,
    schema: string,
  ): Promise<void> {
    const sql = `SELECT coalesce(json_agg(table_name ORDER BY table_name), '[]')::text FROM information_schema.tables WHERE table_schema = ${quoteLiteral(schema)}`;
    const results = await pgQuery(db, asRole(claims, schema, sql));
    const tables = JSON.parse(results.at(-2)?.rows[0]?.[0] ?? '[]') as string[];
    const paths: Record<string, unknown> = { '/': { get: { summary: 'OpenAPI description' } } };
    for (const t of tables) paths[`/${t}`] = { get: { tags: [t] }, post: { tags: [t] } };
    sendJson(res, 200, {
      swagger: '2.0',
      info: { title: 'standin PostgREST API', version: '14.5-standin' },
      basePath: '/',
      schemes: ['http'],
      paths,
    });
  }
}

/** Runs `sql` inside a transaction as the request's role, with its claims visible to RLS. */
function asRole(claims: JwtClaims, schema: string, sql: string): string {
  return [
    'BEGIN',
    `SET LOCAL ROLE ${quoteIdent(String(claims.role))}`,
    `SET LOCAL search_path TO ${quoteIdent(schema)}`,
    `SELECT set_config('request.jwt.claims', ${quoteLiteral(JSON.stringify(claims))}, true)`,
    sql,
    'COMMIT',
  ].join(';\n');
}
