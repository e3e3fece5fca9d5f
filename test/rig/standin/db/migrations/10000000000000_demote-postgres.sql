-- As in supabase/postgres: `postgres` keeps broad grants but stops being a superuser;
-- supabase_admin is the superuser.
GRANT ALL ON DATABASE postgres TO postgres;
GRANT ALL ON SCHEMA auth, storage, extensions TO postgres;
GRANT ALL ON ALL TABLES IN SCHEMA auth, storage, extensions TO postgres;
GRANT ALL ON ALL SEQUENCES IN SCHEMA auth, storage, extensions TO postgres;
GRANT ALL ON ALL ROUTINES IN SCHEMA auth, storage, extensions TO postgres;
ALTER ROLE postgres NOSUPERUSER CREATEDB CREATEROLE LOGIN REPLICATION BYPASSRLS;
