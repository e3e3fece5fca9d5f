/**
 * Init SQL for the supabase/postgres image. It runs once, on an empty data directory; later
 * edits to these files or to `.env` change nothing in a database that already exists. Secrets
 * reach psql as variables read from the container environment, so no file holds one.
 */
/**
 * The roles that log in with the instance's POSTGRES_PASSWORD. Rotating that password means an
 * ALTER USER for each of these on the running database, then a new `.env`, in that order.
 */
export const ROLES_WITH_INSTANCE_PASSWORD = [
  'supabase_admin',
  'authenticator',
  'pgbouncer',
  'supabase_auth_admin',
  'supabase_functions_admin',
  'supabase_storage_admin',
] as const;

export function renderDbFiles(): Array<{ path: string; content: string }> {
  const readUser = '\\set pguser `echo "$POSTGRES_USER"`';
  return [
    {
      path: 'volumes/db/roles.sql',
      content: [
        '-- Every internal role gets the instance password (from PGPASSWORD, set from .env).',
        '\\set pgpass `echo "$PGPASSWORD"`',
        '',
        ...ROLES_WITH_INSTANCE_PASSWORD.map(
          (role) => `ALTER USER ${role} WITH PASSWORD :'pgpass';`,
        ),
        '',
      ].join('\n'),
    },
    {
      path: 'volumes/db/jwt.sql',
      // Only the expiry: the secret itself stays out of database settings, where any role
      // could read it with current_setting().
      content: [
        '\\set jwt_exp `echo "$JWT_EXP"`',
        '',
        'ALTER DATABASE postgres SET "app.settings.jwt_exp" TO :\'jwt_exp\';',
        '',
      ].join('\n'),
    },
    {
      path: 'volumes/db/realtime.sql',
      content: schemaOwnedByAdmin(readUser, null, '_realtime'),
    },
    {
      path: 'volumes/db/_supabase.sql',
      content: [
        readUser,
        '',
        '-- Internal database of the analytics and pooler services, apart from user data.',
        'CREATE DATABASE _supabase WITH OWNER :pguser;',
        '',
      ].join('\n'),
    },
    {
      path: 'volumes/db/logs.sql',
      content: schemaOwnedByAdmin(readUser, '_supabase', '_analytics'),
    },
    {
      path: 'volumes/db/pooler.sql',
      content: schemaOwnedByAdmin(readUser, '_supabase', '_supavisor'),
    },
    { path: 'volumes/db/webhooks.sql', content: WEBHOOKS_SQL },
  ];
}

function schemaOwnedByAdmin(readUser: string, database: string | null, schema: string): string {
  return [
    readUser,
    '',
    ...(database ? [`\\c ${database}`] : []),
    `CREATE SCHEMA IF NOT EXISTS ${schema};`,
    `ALTER SCHEMA ${schema} OWNER TO :pguser;`,
    '',
  ].join('\n');
}

/** Database webhooks: triggers that call pg_net, recorded in supabase_functions.hooks. */
const WEBHOOKS_SQL = `BEGIN;

CREATE EXTENSION IF NOT EXISTS pg_net SCHEMA extensions;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'supabase_functions_admin') THEN
    CREATE USER supabase_functions_admin NOINHERIT CREATEROLE LOGIN NOREPLICATION;
  END IF;
END
$$;

CREATE SCHEMA IF NOT EXISTS supabase_functions AUTHORIZATION supabase_admin;
GRANT USAGE ON SCHEMA supabase_functions TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA supabase_functions
  GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA supabase_functions
  GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA supabase_functions
  GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;

CREATE TABLE IF NOT EXISTS supabase_functions.migrations (
  version text PRIMARY KEY,
  inserted_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO supabase_functions.migrations (version) VALUES ('initial') ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS supabase_functions.hooks (
  id bigserial PRIMARY KEY,
  hook_table_id integer NOT NULL,
  hook_name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  request_id bigint
);
CREATE INDEX IF NOT EXISTS supabase_functions_hooks_request_id_idx
  ON supabase_functions.hooks USING btree (request_id);
CREATE INDEX IF NOT EXISTS supabase_functions_hooks_h_table_id_h_name_idx
  ON supabase_functions.hooks USING btree (hook_table_id, hook_name);

-- Trigger arguments: url, method, headers (json), params (json), timeout in ms.
CREATE OR REPLACE FUNCTION supabase_functions.http_request()
  RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = supabase_functions
AS $fn$
DECLARE
  request_id bigint;
  url text := TG_ARGV[0]::text;
  method text := TG_ARGV[1]::text;
  headers jsonb := '{"Content-Type": "application/json"}'::jsonb;
  params jsonb := '{}'::jsonb;
  timeout_ms integer := 1000;
BEGIN
  IF url IS NULL OR url = 'null' THEN
    RAISE EXCEPTION 'url argument is missing';
  END IF;
  IF method IS NULL OR method = 'null' THEN
    RAISE EXCEPTION 'method argument is missing';
  END IF;
  IF TG_ARGV[2] IS NOT NULL AND TG_ARGV[2] <> 'null' THEN
    headers := TG_ARGV[2]::jsonb;
  END IF;
  IF TG_ARGV[3] IS NOT NULL AND TG_ARGV[3] <> 'null' THEN
    params := TG_ARGV[3]::jsonb;
  END IF;
  IF TG_ARGV[4] IS NOT NULL AND TG_ARGV[4] <> 'null' THEN
    timeout_ms := TG_ARGV[4]::integer;
  END IF;

  IF method = 'GET' THEN
    SELECT http_get INTO request_id FROM net.http_get(url, params, headers, timeout_ms);
  ELSIF method = 'POST' THEN
    SELECT http_post INTO request_id FROM net.http_post(
      url,
      jsonb_build_object(
        'old_record', OLD, 'record', NEW, 'type', TG_OP,
        'table', TG_TABLE_NAME, 'schema', TG_TABLE_SCHEMA
      ),
      params, headers, timeout_ms
    );
  ELSE
    RAISE EXCEPTION 'method argument % is invalid', method;
  END IF;

  INSERT INTO supabase_functions.hooks (hook_table_id, hook_name, request_id)
    VALUES (TG_RELID, TG_NAME, request_id);
  RETURN NEW;
END
$fn$;

REVOKE ALL ON FUNCTION supabase_functions.http_request() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION supabase_functions.http_request()
  TO postgres, anon, authenticated, service_role;

GRANT ALL PRIVILEGES ON SCHEMA supabase_functions TO supabase_functions_admin;
GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA supabase_functions TO supabase_functions_admin;
GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA supabase_functions TO supabase_functions_admin;
ALTER TABLE supabase_functions.migrations OWNER TO supabase_functions_admin;
ALTER TABLE supabase_functions.hooks OWNER TO supabase_functions_admin;
ALTER FUNCTION supabase_functions.http_request() OWNER TO supabase_functions_admin;
GRANT supabase_functions_admin TO postgres;

COMMIT;
`;
