#!/bin/sh
# Stand-in for supabase/postgres's entrypoint (the official postgres image's docker-entrypoint.sh,
# which supabase/postgres uses): as root it prepares the directories and steps down to the
# `postgres` user; on an empty data directory it runs initdb (superuser POSTGRES_USER, which the
# image sets to supabase_admin, password POSTGRES_PASSWORD), starts a socket-only server, runs
# every /docker-entrypoint-initdb.d/*.sh and *.sql (supabase's migrate.sh lives there and runs
# init-scripts/ then migrations/), stops it, and starts the real server. SIGTERM and SIGINT both
# mean a fast shutdown, so `docker stop` returns at once even with clients connected.
#
# initdb itself ran when the image was built: a new cluster is a copy of that template (initdb
# costs seconds of CPU, and test machines create many instances). Only with a different
# POSTGRES_USER or with POSTGRES_INITDB_ARGS does initdb run here.
set -eu

TEMPLATE=/opt/standin/pgdata-template
MARKER=.standin-initialize

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=supabase_admin}"
: "${POSTGRES_DB:=postgres}"
export PGDATA POSTGRES_USER POSTGRES_DB

if [ $# -eq 0 ]; then
  set -- postgres -D /etc/postgresql
elif [ "${1#-}" != "$1" ]; then
  set -- postgres "$@"
fi
if [ "$1" != postgres ]; then
  exec "$@"
fi

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql /etc/postgresql-custom
  if [ -z "$(ls -A "$PGDATA")" ] && [ -d "$TEMPLATE" ] && [ "$POSTGRES_USER" = supabase_admin ] &&
    [ -z "${POSTGRES_INITDB_ARGS:-}" ] && [ -n "${POSTGRES_PASSWORD:-}" ]; then
    cp -a "$TEMPLATE/." "$PGDATA/"
    touch "$PGDATA/$MARKER"
  fi
  if [ "$(stat -c %U "$PGDATA")" != postgres ]; then
    chown -R postgres:postgres "$PGDATA"
  fi
  chmod 700 "$PGDATA"
  chown postgres:postgres /var/run/postgresql /etc/postgresql-custom
  chmod 3777 /var/run/postgresql
  # `--` keeps su from reading the server's own `-c name=value` arguments as its options.
  exec su -p -s /bin/sh -c 'exec "$0" "$@"' -- postgres "$0" "$@"
fi

log() {
  echo "$(date -u '+%Y-%m-%d %H:%M:%S.000 UTC') [entrypoint] $*"
}

psql_init() {
  psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc --username "$POSTGRES_USER" "$@"
}

initialize() {
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo 'Error: Database is uninitialized and superuser password is not specified.' >&2
    echo '       You must specify POSTGRES_PASSWORD to a non-empty value for the superuser.' >&2
    exit 1
  fi
  if [ -e "$PGDATA/$MARKER" ]; then
    log "new cluster in $PGDATA (a copy of the image's initdb template)"
  else
    log "initializing a new cluster in $PGDATA"
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of words, as in the official image
    initdb -D "$PGDATA" --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 \
      --locale=C --auth-local=trust --auth-host=scram-sha-256 --no-sync ${POSTGRES_INITDB_ARGS:-} >/dev/null
    rm -f "$pwfile"
    # For a server started without the image's config file (`postgres` alone uses PGDATA's).
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
    printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  fi

  # Initialization writes a few thousand pages; without fsync it takes a fraction of the time.
  # The real server starts afterwards with the configured durability.
  "$@" -c listen_addresses='' -c log_min_messages=warning -c fsync=off -c synchronous_commit=off &
  temp_pid=$!
  tries=0
  until pg_isready -q -h /var/run/postgresql -U "$POSTGRES_USER"; do
    tries=$((tries + 1))
    if [ "$tries" -gt 300 ] || ! kill -0 "$temp_pid" 2>/dev/null; then
      echo 'Error: the temporary server did not start' >&2
      exit 1
    fi
    sleep 0.1
  done

  export PGHOST=/var/run/postgresql
  echo "ALTER USER :\"user\" WITH PASSWORD :'pw';" |
    psql_init --dbname postgres -v user="$POSTGRES_USER" -v pw="$POSTGRES_PASSWORD" >/dev/null
  if [ "$POSTGRES_DB" != postgres ]; then
    echo 'CREATE DATABASE :"db";' | psql_init --dbname postgres -v db="$POSTGRES_DB"
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        log "running $f"
        if [ -x "$f" ]; then "$f"; else . "$f"; fi
        ;;
      *.sql)
        log "running $f"
        psql_init --dbname "$POSTGRES_DB" -f "$f"
        ;;
      *) [ -d "$f" ] || log "ignoring $f" ;;
    esac
  done
  unset PGHOST

  kill -INT "$temp_pid"
  wait "$temp_pid" || true
  rm -f "$PGDATA/$MARKER"
  log 'PostgreSQL init process complete; ready for start up.'
}

# The marker outlives an initialization that failed half-way, so the next start tries again
# (and fails loudly) instead of serving a half-made database.
if [ ! -s "$PGDATA/PG_VERSION" ] || [ -e "$PGDATA/$MARKER" ]; then
  initialize "$@"
else
  log 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
fi

"$@" &
pid=$!
trap 'kill -INT "$pid" 2>/dev/null || true' INT TERM
trap 'kill -QUIT "$pid" 2>/dev/null || true' QUIT
set +e
status=0
while :; do
  wait "$pid"
  status=$?
  kill -0 "$pid" 2>/dev/null || break
done
exit "$status"
