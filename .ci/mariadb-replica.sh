#!/bin/bash
# Starts a MariaDB primary on 127.0.0.1:3321 (binary log on) and a replica
# of it on 127.0.0.1:3322 (GTID replication, read-only), data under
# ${MARIADB_REPLICA_DIR:-/tmp/orm-mariadb-replica}. The local server on 3306
# is left alone. `stop` stops the replica (its data stays; `start` brings it
# back, catching up); `stop-all` stops both.
set -euo pipefail
DIR=${MARIADB_REPLICA_DIR:-/tmp/orm-mariadb-replica}
MYSQLADMIN=$(command -v mariadb-admin || command -v mysqladmin)
MYSQL=$(command -v mariadb || command -v mysql)

up() { "$MYSQLADMIN" -h 127.0.0.1 -P "$1" -u root ping >/dev/null 2>&1; }
down() { # node
  if [ -S "$DIR/$1/mysqld.sock" ]; then
    "$MYSQLADMIN" --socket="$DIR/$1/mysqld.sock" -u root shutdown 2>/dev/null || true
  fi
}
case "${1:-start}" in
  stop) down replica; exit 0 ;;
  stop-all) down replica; down primary; exit 0 ;;
  start) ;;
  *) echo "usage: $0 [start|stop|stop-all]" >&2; exit 2 ;;
esac

configure() { # node port server-id extra
  local d="$DIR/$1"
  mkdir -p "$d/data"
  cat > "$d/my.cnf" <<CNF
[mysqld]
user=mysql
datadir=$d/data
socket=$d/mysqld.sock
pid-file=$d/mysqld.pid
port=$2
bind-address=127.0.0.1
log-error=$d/error.log
server-id=$3
log-bin=$d/data/binlog
binlog_format=ROW
innodb_buffer_pool_size=64M
innodb_log_file_size=16M
$4
CNF
  chown -R mysql:mysql "$d"
  mariadb-install-db --defaults-file="$d/my.cnf" --auth-root-authentication-method=normal >/dev/null 2>&1
  chown -R mysql:mysql "$d"
}
start() { # node port
  # Not start-stop-daemon: it takes the local server for this one.
  setsid /usr/sbin/mariadbd --defaults-file="$DIR/$1/my.cnf" >/dev/null 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    if up "$2"; then return 0; fi
    sleep 1
  done
  echo "mariadb replica: $1 did not start (see $DIR/$1/error.log)" >&2
  return 1
}

if up 3321 && up 3322; then
  echo "mariadb replica: already running (primary 3321, replica 3322)"
  exit 0
fi
if up 3321 && [ -f "$DIR/replica/my.cnf" ]; then
  # The replica was stopped: it resumes from where it was.
  start replica 3322
  echo "mariadb replica: replica on port 3322 started again"
  exit 0
fi
down replica
down primary
rm -rf "$DIR"
configure primary 3321 21 ""
configure replica 3322 22 "read_only=1
log_slave_updates=1"
start primary 3321
start replica 3322
"$MYSQL" -h 127.0.0.1 -P 3321 -u root -e "CREATE DATABASE IF NOT EXISTS test"
"$MYSQL" -h 127.0.0.1 -P 3322 -u root -e "
  CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=3321, MASTER_USER='root',
    MASTER_PASSWORD='', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;
  START SLAVE;"
for _ in $(seq 1 30); do
  if "$MYSQL" -h 127.0.0.1 -P 3322 -u root -N -e "SHOW DATABASES LIKE 'test'" | grep -q test; then
    echo "mariadb replica: primary on port 3321, replica on port 3322"
    exit 0
  fi
  sleep 1
done
echo "mariadb replica: the replica did not catch up (see $DIR/replica/error.log)" >&2
exit 1
