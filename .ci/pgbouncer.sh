#!/bin/bash
# Starts PgBouncer in transaction pooling mode on 127.0.0.1:6432 in front
# of the local PostgreSQL (127.0.0.1:5432), every database passed
# through, trust authentication; files under ${PGBOUNCER_DIR:-/tmp/orm-pgbouncer}.
# Needs the pgbouncer package; runs it as the postgres user. `stop` stops it.
set -euo pipefail
DIR=${PGBOUNCER_DIR:-/tmp/orm-pgbouncer}
PORT=${PGBOUNCER_PORT:-6432}
if [ "${1:-}" = stop ]; then
  [ -f "$DIR/pgbouncer.pid" ] && kill "$(cat "$DIR/pgbouncer.pid")" 2>/dev/null || true
  exit 0
fi
if ! command -v pgbouncer >/dev/null; then
  echo "pgbouncer: not installed" >&2
  exit 1
fi
if pg_isready -q -h 127.0.0.1 -p "$PORT"; then
  echo "pgbouncer: already running on port $PORT"
  exit 0
fi
mkdir -p "$DIR"
cat > "$DIR/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=5432

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PORT
unix_socket_dir =
auth_type = trust
auth_file = $DIR/users.txt
pool_mode = transaction
max_client_conn = 500
default_pool_size = 10
ignore_startup_parameters = extra_float_digits,options
logfile = $DIR/pgbouncer.log
pidfile = $DIR/pgbouncer.pid
INI
printf '"root" ""\n"postgres" ""\n' > "$DIR/users.txt"
chown -R postgres:postgres "$DIR"
su postgres -s /bin/sh -c "pgbouncer -d $DIR/pgbouncer.ini"
for _ in $(seq 1 20); do
  if pg_isready -q -h 127.0.0.1 -p "$PORT"; then
    echo "pgbouncer: transaction pooling on port $PORT"
    exit 0
  fi
  sleep 0.5
done
echo "pgbouncer: did not start (see $DIR/pgbouncer.log)" >&2
exit 1
