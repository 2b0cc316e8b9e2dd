#!/bin/bash
# Starts a PostgreSQL streaming replica of the local server
# (127.0.0.1:5432) on 127.0.0.1:${REPLICA_PORT:-5433}, from a base backup
# in ${REPLICA_DIR:-/tmp/orm-pg-replica}. Needs root (it allows
# replication connections from 127.0.0.1 in the primary's pg_hba.conf and
# runs the replica as the postgres user). `stop` stops it.
set -euo pipefail
PORT=${REPLICA_PORT:-5433}
DIR=${REPLICA_DIR:-/tmp/orm-pg-replica}
ver=$(ls /etc/postgresql | sort -n | tail -1)
bin=/usr/lib/postgresql/$ver/bin
as_postgres() { su postgres -s /bin/sh -c "$1"; }

if [ "${1:-}" = stop ]; then
  as_postgres "$bin/pg_ctl -D $DIR -m fast -w stop" || true
  exit 0
fi
if pg_isready -q -h 127.0.0.1 -p "$PORT"; then
  echo "replica: already running on port $PORT"
  exit 0
fi
hba=/etc/postgresql/$ver/main/pg_hba.conf
if ! grep -qE '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32' "$hba"; then
  echo "host replication all 127.0.0.1/32 trust" >> "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$ver" main reload
fi
rm -rf "$DIR"
mkdir -p "$DIR"
chown postgres:postgres "$DIR"
chmod 700 "$DIR"
as_postgres "$bin/pg_basebackup -h 127.0.0.1 -p 5432 -U postgres -D $DIR -R -X stream -c fast"
cat > "$DIR/postgresql.conf" <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '/tmp'
hot_standby = on
max_connections = 100
CONF
cat > "$DIR/pg_hba.conf" <<CONF
local all all trust
host all all 127.0.0.1/32 trust
CONF
chown postgres:postgres "$DIR/postgresql.conf" "$DIR/pg_hba.conf"
as_postgres "$bin/pg_ctl -D $DIR -l $DIR/log -w start"
for _ in $(seq 1 30); do
  if pg_isready -q -h 127.0.0.1 -p "$PORT"; then
    echo "replica: streaming from 127.0.0.1:5432 on port $PORT"
    exit 0
  fi
  sleep 1
done
echo "replica: did not start (see $DIR/log)" >&2
exit 1
