#!/usr/bin/env bash
# A private PostgreSQL cluster for development and tests, under .data/.
#   scripts/pg.sh start NAME PORT   initialise (once) and start; prints the DATABASE_URL
#   scripts/pg.sh restart NAME PORT start again on exactly PORT (its clients
#                                   keep their URL), waiting up to 15 s for it
#   scripts/pg.sh stop NAME         stop it
# Installs Debian's postgresql when its binaries are missing. As root, the
# server runs as the `postgres` user, as PostgreSQL requires.
set -euo pipefail

cmd=${1:?usage: pg.sh start|restart NAME PORT | stop NAME}
name=${2:?cluster name}
root=$(cd "$(dirname "$0")/.." && pwd)
data_root="$root/.data"
mkdir -p "$data_root"

find_bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir; return
  fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
  command -v initdb >/dev/null 2>&1 && dirname "$(readlink -f "$(command -v initdb)")" && return
  return 1
}

bindir=$(find_bindir || true)
if [ -z "$bindir" ]; then
  echo "pg.sh: PostgreSQL is not installed; installing Debian's postgresql" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
  bindir=$(find_bindir)
fi

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# The postgres user must be able to reach the data directory; a clone in a
# root-only home is not, so root keeps the cluster in a shared place and
# links it from .data/.
cluster="$data_root/pg-$name"
if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$data_root"; then
  shared="/var/tmp/clauses-pg-$(echo "$root" | md5sum | cut -c1-12)-$name"
  mkdir -p "$shared"
  [ -L "$cluster" ] || { rm -rf "$cluster"; ln -s "$shared" "$cluster"; }
  cluster="$shared"
fi

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pg_ctl start on $1; 0 when up, 2 when the port could not be bound (free to
# a connect, yet bound: an outgoing connection's local port, since the
# ephemeral range 32768-60999 covers these ports), 1 otherwise.
try_start() {
  local log="$cluster/server.log" before=0
  [ -f "$log" ] && before=$(wc -c <"$log")
  if as_pg "$bindir/pg_ctl" -D "$cluster" -l "$log" -w -t 60 \
    -o "-p $1 -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null 2>&1; then
    return 0
  fi
  tail -c +"$((before + 1))" "$log" | grep -q 'could not bind' && return 2
  return 1
}

start_failed() {
  echo "pg.sh: PostgreSQL did not start; see $cluster/server.log" >&2
  tail -20 "$cluster/server.log" >&2
  exit 1
}

prepare() {
  mkdir -p "$cluster"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$cluster" && chmod 700 "$cluster"
  if [ ! -f "$cluster/PG_VERSION" ]; then
    as_pg "$bindir/initdb" -D "$cluster" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
}

running() { [ -f "$cluster/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$cluster" status >/dev/null 2>&1; }

print_url() {
  url_base="postgres://postgres@127.0.0.1:$1"
  "$bindir/psql" "$url_base/postgres" -qtAc "SELECT 1 FROM pg_database WHERE datname='clauses'" | grep -q 1 \
    || "$bindir/psql" "$url_base/postgres" -qc "CREATE DATABASE clauses" >/dev/null
  echo "$url_base/clauses"
}

case "$cmd" in
  start)
    port=${3:?port}
    prepare
    if running; then
      # A running cluster keeps its port.
      port=$(sed -n 4p "$cluster/postmaster.pid")
    else
      # The first free port from the one asked (another checkout's cluster,
      # or a client's local port, may hold it).
      tries=0
      while :; do
        if ! port_busy "$port"; then
          rc=0; try_start "$port" || rc=$?
          [ "$rc" -eq 0 ] && break
          [ "$rc" -eq 2 ] || start_failed
        fi
        port=$((port + 1)); tries=$((tries + 1))
        [ "$tries" -lt 50 ] || { echo "pg.sh: no free port near $3" >&2; exit 1; }
      done
    fi
    print_url "$port"
    ;;
  restart)
    port=${3:?port}
    prepare
    if ! running; then
      # A client's local port frees itself when that connection closes.
      for _ in $(seq 30); do
        rc=0; try_start "$port" || rc=$?
        [ "$rc" -eq 0 ] && break
        [ "$rc" -eq 2 ] || start_failed
        sleep 0.5
      done
      [ "$rc" -eq 0 ] || start_failed
    fi
    print_url "$port"
    ;;
  stop)
    if [ -f "$cluster/PG_VERSION" ]; then
      as_pg "$bindir/pg_ctl" -D "$cluster" -m fast stop >/dev/null 2>&1 || true
    fi
    ;;
  *)
    echo "usage: pg.sh start|restart NAME PORT | stop NAME" >&2; exit 2 ;;
esac
