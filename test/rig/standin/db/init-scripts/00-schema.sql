-- Stand-in for supabase/postgres's pgbouncer auth schema: the pooler looks users up through
-- pgbouncer.get_auth().
CREATE USER pgbouncer;
REVOKE ALL PRIVILEGES ON SCHEMA public FROM pgbouncer;
CREATE SCHEMA pgbouncer AUTHORIZATION pgbouncer;

CREATE FUNCTION pgbouncer.get_auth(p_usename text)
RETURNS TABLE (username text, password text)
LANGUAGE sql SECURITY DEFINER
AS $$
  SELECT usename::text, passwd::text FROM pg_catalog.pg_shadow WHERE usename = p_usename;
$$;
ALTER FUNCTION pgbouncer.get_auth(text) OWNER TO supabase_admin;
REVOKE ALL ON FUNCTION pgbouncer.get_auth(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbouncer.get_auth(text) TO pgbouncer;
