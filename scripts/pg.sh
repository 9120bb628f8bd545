#!/usr/bin/env bash
# A private PostgreSQL cluster for development and tests, under .data/.
#   scripts/pg.sh start NAME PORT   initialise (once) and start; prints the DATABASE_URL
#   scripts/pg.sh stop NAME         stop it
# Installs Debian's postgresql when its binaries are missing. As root, the
# server runs as the `postgres` user, as PostgreSQL requires.
set -euo pipefail

cmd=${1:?usage: pg.sh start NAME PORT | stop NAME}
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

case "$cmd" in
  start)
    port=${3:?port}
    # A running cluster keeps its port; a new start takes the first free
    # port from the one asked (another checkout's cluster may hold it).
    if [ -f "$cluster/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$cluster" status >/dev/null 2>&1; then
      port=$(sed -n 4p "$cluster/postmaster.pid")
    else
      tries=0
      while port_busy "$port"; do
        port=$((port + 1)); tries=$((tries + 1))
        [ "$tries" -lt 50 ] || { echo "pg.sh: no free port near $3" >&2; exit 1; }
      done
    fi
    mkdir -p "$cluster"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$cluster" && chmod 700 "$cluster"
    if [ ! -f "$cluster/PG_VERSION" ]; then
      as_pg "$bindir/initdb" -D "$cluster" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_pg "$bindir/pg_ctl" -D "$cluster" status >/dev/null 2>&1; then
      as_pg "$bindir/pg_ctl" -D "$cluster" -l "$cluster/server.log" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null || { echo "pg.sh: PostgreSQL did not start; see $cluster/server.log" >&2; tail -20 "$cluster/server.log" >&2; exit 1; }
    fi
    url_base="postgres://postgres@127.0.0.1:$port"
    "$bindir/psql" "$url_base/postgres" -qtAc "SELECT 1 FROM pg_database WHERE datname='clauses'" | grep -q 1 \
      || "$bindir/psql" "$url_base/postgres" -qc "CREATE DATABASE clauses" >/dev/null
    echo "$url_base/clauses"
    ;;
  stop)
    if [ -f "$cluster/PG_VERSION" ]; then
      as_pg "$bindir/pg_ctl" -D "$cluster" -m fast stop >/dev/null 2>&1 || true
    fi
    ;;
  *)
    echo "usage: pg.sh start NAME PORT | stop NAME" >&2; exit 2 ;;
esac
