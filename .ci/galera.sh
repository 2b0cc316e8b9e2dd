#!/bin/bash
# Starts a three-node MariaDB Galera cluster (multi-primary) on this
# machine: nodes on 127.0.0.1 ports 3311, 3312 and 3313 (Galera
# replication on 4571-4573), data under ${GALERA_DIR:-/tmp/orm-galera}.
# Needs the galera-4 package and rsync (state transfer). `stop` stops it.
set -euo pipefail
DIR=${GALERA_DIR:-/tmp/orm-galera}
LIB=$(ls /usr/lib/galera/libgalera_smm.so /usr/lib/libgalera_smm.so 2>/dev/null | head -n1 || true)
MYSQLADMIN=$(command -v mariadb-admin || command -v mysqladmin)

stop_all() {
  for n in 3 2 1; do
    if [ -S "$DIR/node$n/mysqld.sock" ]; then
      "$MYSQLADMIN" --socket="$DIR/node$n/mysqld.sock" -u root shutdown 2>/dev/null || true
    fi
  done
}
if [ "${1:-}" = stop ]; then
  stop_all
  exit 0
fi
if [ -z "$LIB" ]; then
  echo "galera: the galera-4 library is not installed" >&2
  exit 1
fi
if "$MYSQLADMIN" -h 127.0.0.1 -P 3311 -u root ping >/dev/null 2>&1 \
  && "$MYSQLADMIN" -h 127.0.0.1 -P 3313 -u root ping >/dev/null 2>&1; then
  echo "galera: already running on ports 3311-3313"
  exit 0
fi
stop_all
rm -rf "$DIR"
peers="gcomm://127.0.0.1:4571,127.0.0.1:4572,127.0.0.1:4573"
for n in 1 2 3; do
  d="$DIR/node$n"
  mkdir -p "$d/data"
  cat > "$d/my.cnf" <<CNF
[mysqld]
user=mysql
datadir=$d/data
socket=$d/mysqld.sock
pid-file=$d/mysqld.pid
port=331$n
bind-address=127.0.0.1
log-error=$d/error.log
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
innodb_buffer_pool_size=64M
innodb_log_file_size=16M
wsrep_on=ON
wsrep_provider=$LIB
wsrep_cluster_name=orm_ci
wsrep_cluster_address=$peers
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1:457$n
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:457$n;ist.recv_addr=127.0.0.1:458$n"
wsrep_sst_receive_address=127.0.0.1:459$n
wsrep_sst_method=rsync
CNF
  chown -R mysql:mysql "$d"
  mariadb-install-db --defaults-file="$d/my.cnf" --auth-root-authentication-method=normal >/dev/null 2>&1
  chown -R mysql:mysql "$d"
done
start() { # node, extra args
  local n=$1; shift
  # Not start-stop-daemon: it takes the local server for this one.
  setsid /usr/sbin/mariadbd --defaults-file="$DIR/node$n/my.cnf" "$@" >/dev/null 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    if "$MYSQLADMIN" -h 127.0.0.1 -P "331$n" -u root ping >/dev/null 2>&1; then
      return 0
    fi
    sleep 1
  done
  echo "galera: node $n did not start (see $DIR/node$n/error.log)" >&2
  return 1
}
start 1 --wsrep-new-cluster
start 2
start 3
mysql -h 127.0.0.1 -P 3311 -u root -e "CREATE DATABASE IF NOT EXISTS test"
size=$(mysql -h 127.0.0.1 -P 3311 -u root -N -e "SHOW STATUS LIKE 'wsrep_cluster_size'" | awk '{print $2}')
echo "galera: $size nodes on ports 3311-3313"
[ "$size" = 3 ]
