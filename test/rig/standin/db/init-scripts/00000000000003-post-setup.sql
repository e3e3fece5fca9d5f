-- Stand-in for supabase/postgres's post-setup: search paths, the dashboard and functions roles,
-- the realtime and graphql_public schemas (the kit exposes graphql_public through PostgREST).
ALTER ROLE supabase_admin SET search_path TO "$user", public, auth, extensions;
ALTER ROLE postgres SET search_path TO "$user", public, extensions;

CREATE ROLE dashboard_user NOSUPERUSER CREATEDB CREATEROLE REPLICATION;
GRANT ALL ON DATABASE postgres TO dashboard_user;
GRANT ALL ON SCHEMA auth, storage, extensions TO dashboard_user;
GRANT ALL ON ALL TABLES IN SCHEMA auth, storage, extensions TO dashboard_user;
GRANT ALL ON ALL SEQUENCES IN SCHEMA auth, storage, extensions TO dashboard_user;

CREATE USER supabase_functions_admin NOINHERIT CREATEROLE LOGIN NOREPLICATION;
CREATE ROLE supabase_realtime_admin NOINHERIT NOLOGIN NOREPLICATION;

CREATE SCHEMA IF NOT EXISTS realtime;
GRANT USAGE ON SCHEMA realtime TO postgres, anon, authenticated, service_role;
GRANT ALL ON SCHEMA realtime TO supabase_realtime_admin;

CREATE SCHEMA IF NOT EXISTS graphql_public;
GRANT USAGE ON SCHEMA graphql_public TO postgres, anon, authenticated, service_role;
