#!/usr/bin/env bash
# The figures' throughput with one process on the primary, against two
# processes reading them on a streaming replica (issue 31), on the data of
# bench/load.sh (100,000 placements): wrk at 32 connections for DURATION
# seconds (default 20) on bench/load/figures.lua, in three set-ups that take
# turns for ROUNDS rounds (default 3): one process on the primary; two
# processes on the primary (16 + 16 connections); two processes with
# DATABASE_REPLICA_URL. With each, the CPU the primary, the replica and the
# service spent, from which bench/README.md works out bigger machines.
#
#   bench/replica.sh          private cluster "replicabench" under .data/
#                             (only this data, so that its copy is small),
#                             and a replica of it made here (pg_basebackup -R)
#   DURATION=10 ROUNDS=1 BIN=target/release/clauses bench/replica.sh
#   PIN=1 bench/replica.sh    the primary on core 0 and the replica on core 1
#                             (two one-core machines), with reads by id
#                             (bench/load/placement.lua, 16 connections on the
#                             first process) beside the figures: the rest of
#                             the traffic, which stays on the primary
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-20}
rounds=${ROUNDS:-3}
pin=${PIN:-0}
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
base=$(scripts/pg.sh start replicabench 55470 | sed 's|/clauses$||')
pport=${base##*:}
db="$base/clauses_load"
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
. bench/territory.sh
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

bin=${BIN:-./target/release/clauses}
[ -n "${BIN:-}" ] || cargo build --release -q
if ! psql_ "$db" -tAc "SELECT 1" >/dev/null 2>&1; then
  psql_ "$base/postgres" -c "CREATE DATABASE clauses_load"
  DATABASE_URL="$db" "$bin" migrate
  BENCH_PLACEMENTS=100000 load_territory "$db"
fi

standby="$(readlink -f .data/pg-replicabench)-standby"
rport=$(free_port)
pids=()
cleanup() {
  # The servers first, so that none sees its replica go.
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  as_pg "$bindir/pg_ctl" -D "$standby" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$standby"
  scripts/pg.sh stop replicabench >/dev/null 2>&1 || true
}
trap cleanup EXIT
rm -rf "$standby"; mkdir -p "$standby"
[ "$(id -u)" -eq 0 ] && chown postgres: "$standby"
chmod 700 "$standby"
echo "replica: pg_basebackup of the replicabench cluster..."
as_pg "$bindir/pg_basebackup" -h 127.0.0.1 -p "$pport" -U postgres -D "$standby" -R -X stream -c fast
as_pg "$bindir/pg_ctl" -D "$standby" -l "$standby/server.log" -w -t 120 \
  -o "-p $rport -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c hot_standby=on -c max_connections=300" start >/dev/null
replica="postgres://postgres@127.0.0.1:$rport/clauses_load"
pin_cluster() { # DATA_DIR CORE: the postmaster and its children; backends forked later inherit it
  local pm; pm=$(head -1 "$1/postmaster.pid")
  for p in $pm $(pgrep -P "$pm"); do taskset -a -p -c "$2" "$p" >/dev/null; done
}
if [ "$pin" = 1 ]; then
  pin_cluster "$(readlink -f .data/pg-replicabench)" 0
  pin_cluster "$standby" 1
fi

secret=bench-replica-secret-long-enough-for-hs256
serve() { # PORT [VAR=VALUE...]
  local port=$1; shift
  env "$@" SHUTDOWN_GRACE_SECONDS=1 HTTP_WORKERS=1 DATABASE_URL="$db" JWT_SECRET=$secret BIND_ADDR=127.0.0.1:$port RUST_LOG="warn,clauses=error,clauses::db::replica=warn" "$bin" serve &
  pids+=($!)
  for _ in $(seq 200); do curl -fs "http://127.0.0.1:$port/ready" >/dev/null && return; sleep 0.1; done
  echo "serve on $port did not start" >&2; exit 1
}
TOKEN=$(JWT_SECRET=$secret "$bin" token --role facilitator --sub bench --ttl 3600)
export TOKEN
rps() { awk '/^Requests\/sec/ {print $2}' "$1"; }
out=$(mktemp -d)

# CPU seconds used so far by a cluster (its postmaster and every backend
# alive) or by processes: the arithmetic for bigger machines starts from the
# CPU one figure costs on each side.
cpu() { # PID...
  python3 - "$@" <<'PYEOF'
import os, sys
tick = os.sysconf("SC_CLK_TCK")
total = 0
for pid in sys.argv[1:]:
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    except FileNotFoundError:
        pass
print(f"{total / tick:.2f}")
PYEOF
}
cluster_cpu() { # DATA_DIR
  local pm; pm=$(head -1 "$1/postmaster.pid")
  cpu "$pm" $(pgrep -P "$pm")
}
primary_dir=$(readlink -f .data/pg-replicabench)
# NAME: CPU seconds of the primary, the replica and the servers, before the
# servers (and so their pooled backends) stop.
account() {
  echo "$(cluster_cpu "$primary_dir") $(cluster_cpu "$standby") $(cpu "${pids[@]}")" >"$out/$1.cpu"
}
spent() { # NAME BEFORE_NAME COLUMN: seconds spent in the run
  awk -v c="$3" 'NR == FNR {b = $c; next} {printf "%.1f", $c - b}' "$out/$2.cpu" "$out/$1.cpu"
}

stop_servers() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
}

figures() { # NAME CONNECTIONS PORT: wrk on one process, into NAME.wrk
  wrk -t1 -c"$2" -d"${duration}s" -s bench/load/figures.lua "http://127.0.0.1:$3" >"$out/$1.wrk"
}
# NAME PORT...: 32 connections, shared between the processes, all at once;
# the figures per second (summed) into NAME.rps.
load() {
  local name=$1; shift
  local each=$((32 / $#)) i=0 port waiting=()
  for port in "$@"; do
    figures "$name.$i" "$each" "$port" &
    waiting+=($!)
    i=$((i + 1))
  done
  # Waited by their PIDs: "wait" alone would wait for the servers too.
  wait "${waiting[@]}"
  cat "$out/$name".[0-9]*.wrk | awk '/^Requests\/sec/ {s += $2} END {print s}' >"$out/$name.rps"
}
metric() { # NAME: summed over the running servers
  local total=0 port
  for port in "${ports[@]}"; do
    total=$((total + $(curl -fs "http://127.0.0.1:$port/metrics" | awk -v n="$1" '$1 == n {print int($2)}')))
  done
  echo "$total"
}
# The answers other than 2xx, by status, as the running servers counted them
# ("none", or e.g. "503: 5"): wrk says how many, not which.
not_2xx() {
  local port
  for port in "${ports[@]}"; do curl -fs "http://127.0.0.1:$port/metrics"; done |
    awk '/^http_requests_total\{/ && !/status="2/ {
           match($0, /status="[0-9]+"/); n[substr($0, RSTART + 8, 3)] += $NF
         }
         END { for (s in n) { printf "%s%s: %d", sep, s, n[s]; sep = ", " } if (!sep) printf "none" }'
}
# NAME: the figures' load on the servers of $ports, with its CPU, and with
# PIN=1 reads by id on the first process beside it (into NAME.ids).
measure() {
  account "$1.start"
  local by_id=""
  if [ "$pin" = 1 ]; then
    wrk -t1 -c16 -d"${duration}s" -s bench/load/placement.lua "http://127.0.0.1:${ports[0]}" >"$out/$1.ids.wrk" &
    by_id=$!
  fi
  load "$1" "${ports[@]}"
  if [ -n "$by_id" ]; then
    wait "$by_id"
    rps "$out/$1.ids.wrk" >"$out/$1.ids"
  fi
  account "$1"
  not_2xx >"$out/$1.bad"
}

# The three set-ups take turns, round after round, so that a slow spell of
# the machine does not fall on one of them only.
reads=0; fallbacks=0
for round in $(seq "$rounds"); do
  # One process on the primary.
  ports=("$(free_port)")
  serve "${ports[0]}"
  measure "one.$round"
  stop_servers

  # Two processes on the primary: what the second process brings by itself.
  ports=("$(free_port)" "$(free_port)")
  serve "${ports[0]}"; serve "${ports[1]}"
  measure "primary.$round"
  stop_servers

  # Two processes reading the figures on the replica.
  ports=("$(free_port)" "$(free_port)")
  serve "${ports[0]}" DATABASE_REPLICA_URL="$replica"
  serve "${ports[1]}" DATABASE_REPLICA_URL="$replica"
  sleep 2 # the first lag measurements
  measure "replica.$round"
  reads=$((reads + $(metric db_replica_reads_total)))
  fallbacks=$((fallbacks + $(metric db_replica_fallbacks_total)))
  stop_servers
done

echo
echo "$(nproc) cores, $rounds round(s) of ${duration}s per set-up, 32 connections, HTTP_WORKERS 1 per process, bench/load/figures.lua"
echo "figures/s (answers other than 2xx) and CPU seconds spent during the run: primary / replica / clauses processes"
for setup in one primary replica; do
  case $setup in
    one) label="one process, primary only" ;;
    primary) label="two processes, primary only" ;;
    replica) label="two processes, figures on the replica" ;;
  esac
  for round in $(seq "$rounds"); do
    r="$setup.$round"
    ids=""; [ "$pin" = 1 ] && ids=$(printf '   reads by id/s %6.0f' "$(cat "$out/$r.ids")")
    printf '%-40s %8.0f (%s)   cpu %s / %s / %s%s\n' "$label" "$(cat "$out/$r.rps")" "$(cat "$out/$r.bad")" \
      "$(spent "$r" "$r.start" 1)" "$(spent "$r" "$r.start" 2)" "$(spent "$r" "$r.start" 3)" "$ids"
  done
done
mean() { cat "$out/$1".[0-9]*."$2" | awk '{s += $1} END {print s / NR}'; } # SETUP rps|ids
ratio() { awk -v a="$(mean replica "$1")" -v b="$(mean one "$1")" 'BEGIN {printf "%.2f", a / b}'; }
echo "ratio, two processes with the replica / one process on the primary (means): $(ratio rps)"
[ "$pin" = 1 ] && echo "ratio of reads by id, the same: $(ratio ids)"
echo "replica reads: $reads, fallbacks to the primary: $fallbacks"
rm -rf "$out"
