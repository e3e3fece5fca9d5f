#!/bin/sh
# Stand-in for supabase/postgres's migrate.sh, run once by the entrypoint on a new cluster:
# creates the `postgres` role, runs init-scripts/*.sql as postgres, sets supabase_admin's
# password, then runs migrations/*.sql as supabase_admin. The kit mounts its own files into both
# folders (roles.sql, jwt.sql, webhooks.sql into init-scripts; _supabase.sql, realtime.sql,
# logs.sql, pooler.sql into migrations); they read passwords through psql's
# \set var `echo "$PGPASSWORD"`, so PGPASSWORD is exported here.
set -eu

db=/docker-entrypoint-initdb.d
export PGDATABASE="${POSTGRES_DB:-postgres}"
export PGHOST="${POSTGRES_HOST:-/var/run/postgresql}"
export PGPORT="${PGPORT:-${POSTGRES_PORT:-5432}}"
export PGPASSWORD="${POSTGRES_PASSWORD:-}"

run_psql() {
  psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc "$@"
}

echo "CREATE ROLE postgres SUPERUSER LOGIN PASSWORD :'pw';" |
  run_psql -U supabase_admin -d postgres -v pw="$PGPASSWORD"

for sql in "$db"/init-scripts/*.sql; do
  [ -e "$sql" ] || continue
  echo "$0: running $sql"
  run_psql -U postgres -f "$sql"
done
echo "ALTER USER supabase_admin WITH PASSWORD :'pw';" | run_psql -U postgres -v pw="$PGPASSWORD"
for sql in "$db"/migrations/*.sql; do
  [ -e "$sql" ] || continue
  echo "$0: running $sql"
  run_psql -U supabase_admin -f "$sql"
done
