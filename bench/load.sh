#!/usr/bin/env bash
# Load, side by side with raw PostgreSQL (a benchmark, not a test).
# On generated data (100,000 placements), drives GET /api/v1/placements/{id}
# (random ids) and GET /api/v1/placements?limit=50 with wrk at 32
# connections for 30 s each, then runs pgbench with the same SQL on the same
# database, same clients and duration. Prints requests/s, p99 and the
# service's peak RSS, and checks the targets of issue 7:
#   API single read >= 1/2 of pgbench's rate, p99 <= 25 ms, RSS <= 100 MB.
#
#   bench/load.sh                   private cluster "bench" under .data/
#   KEEP=1 bench/load.sh            reuse the data of a previous run
#   DURATION=10 bench/load.sh       shorter runs
#   HTTP_WORKERS=2 bench/load.sh    the service's worker threads (default 1
#                                   here: see bench/README.md)
#   WITH_ORG=1 bench/load.sh        a token with `org` (a facilitator organisation
#                                   of the first territory: its rows only, since
#                                   issue 29), checked on each request
#   BIN=/tmp/old/clauses bench/load.sh  another build of the service, to
#                                   compare two commits on the same data
#   WITH_DELIVERY=1 bench/load.sh   webhooks delivering meanwhile: 10
#                                   subscriptions of a local receiver and
#                                   CHANGES_PER_TICK (default 2) changes
#                                   every 100 ms, so 200 messages a second,
#                                   while wrk runs (issue 30)
#   SUBSCRIPTIONS=0 WITH_DELIVERY=1 bench/load.sh   the same changes and
#                                   receiver, nothing subscribed: what the
#                                   writes cost, without the deliveries
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-30}
workers=${HTTP_WORKERS:-1}
connections=32
for tool in wrk; do
  command -v "$tool" >/dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq "$tool" >/dev/null; }
done
base=$(scripts/pg.sh start bench 55434 | sed 's|/clauses$||')
db="$base/clauses_load"
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
. bench/territory.sh

bin=${BIN:-./target/release/clauses}
[ -n "${BIN:-}" ] || cargo build --release -q
if [ -z "${KEEP:-}" ] || ! psql_ "$db" -tAc "SELECT 1" >/dev/null 2>&1; then
  psql_ "$base/postgres" -c "DROP DATABASE IF EXISTS clauses_load WITH (FORCE)" -c "CREATE DATABASE clauses_load"
  DATABASE_URL="$db" ./target/release/clauses migrate
  export BENCH_PLACEMENTS=100000
  load_territory "$db"
fi
psql_ "$db" -tAc "SELECT 'data: ' || (SELECT count(*) FROM placements) || ' placements, ' || (SELECT count(*) FROM monthly_hours) || ' monthly hours'"

port=18090
secret=bench-load-secret-long-enough-for-hs256
delivery_env=()
if [ -n "${WITH_DELIVERY:-}" ]; then
  cargo build --release -q --example webhook_receiver
  delivery_env=(WEBHOOK_SECRET_KEY="$(head -c 32 /dev/urandom | base64)" WEBHOOK_ALLOW_HTTP=true
                WEBHOOK_ALLOWED_NETWORKS=127.0.0.0/8)
fi
env "${delivery_env[@]}" HTTP_WORKERS=$workers DATABASE_URL="$db" JWT_SECRET=$secret BIND_ADDR=127.0.0.1:$port RUST_LOG=warn "$bin" serve &
server=$!
background=()
trap 'kill $server "${background[@]}" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.2; done
# WITH_ORG=1: the token names an organisation, which every request then
# checks (a read by id of the organisation beside the request's own).
org_arg=()
if [ -n "${WITH_ORG:-}" ]; then
  psql_ "$db" -c "INSERT INTO organisations (id, kind, name)
                  VALUES ('00090000-0000-4000-8000-0000000000fa', 'facilitator', 'Facilitateur du banc')
                  ON CONFLICT (id) DO NOTHING" \
              -c "UPDATE organisations SET territory_id = (SELECT id FROM territories ORDER BY created_at LIMIT 1)
                  WHERE id = '00090000-0000-4000-8000-0000000000fa' AND territory_id IS NULL"
  org_arg=(--org 00090000-0000-4000-8000-0000000000fa)
fi
TOKEN=$(JWT_SECRET=$secret "$bin" token --role facilitator --sub bench --ttl 3600 "${org_arg[@]}")
export TOKEN
curl -fs -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$port/api/v1/placements/00040000-0000-4000-8000-000000000001"

out=$(mktemp -d)
if [ -n "${WITH_DELIVERY:-}" ]; then
  psql_ "$db" -c "DELETE FROM webhooks"
  ./target/release/examples/webhook_receiver 127.0.0.1:18191 &
  background+=($!)
  for _ in $(seq 100); do curl -fs http://127.0.0.1:18191/count >/dev/null && break; sleep 0.1; done
  for i in $(seq "${SUBSCRIPTIONS:-10}"); do
    curl -fs -o /dev/null -X POST -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
      -d "{\"url\": \"http://127.0.0.1:18191/s$i\"}" "http://127.0.0.1:$port/api/v1/webhooks"
  done
  per_tick=${CHANGES_PER_TICK:-2}
  # One pgbench session, rate-limited: a psql a tick would cost more
  # than what is measured.
  echo "INSERT INTO operations (id, name, programme, start_date, territory_id)
        SELECT gen_random_uuid(), 'Banc ' || gen_random_uuid(), 'other', DATE '2026-01-01',
               (SELECT id FROM territories ORDER BY created_at LIMIT 1)
        FROM generate_series(1, $per_tick);" >"$out/changes.sql"
  "$bindir/pgbench" -n -c1 -R10 -T3600 -f "$out/changes.sql" "$db" >/dev/null 2>&1 &
  background+=($!)
fi

api() { # NAME LUA
  wrk -t2 -c$connections -d"${duration}s" --latency -s "bench/load/$2.lua" "http://127.0.0.1:$port" >"$out/$1.wrk"
  local rps p99 non2xx
  rps=$(awk '/^Requests\/sec/ {print $2}' "$out/$1.wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$out/$1.wrk")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$out/$1.wrk")
  echo "$rps $p99 ${non2xx:-0}"
}
pg() { # SQL-FILE
  "$bindir/pgbench" -n -M prepared -c$connections -j2 -T"$duration" -f "bench/load/$1.sql" "$db" 2>&1 |
    awk '/^tps/ {print $3}' | head -1
}
read -r single_rps single_p99 single_bad <<<"$(api single placement)"
single_rss=$(awk '/VmHWM/ {print $2}' /proc/$server/status)
read -r list_rps list_p99 list_bad <<<"$(api list list)"
rss_kb=$(awk '/VmHWM/ {print $2}' /proc/$server/status)
single_pg=$(pg placement)
list_pg=$(pg list)

single_p99_ms=$(awk -v v="$single_p99" 'BEGIN { if (v ~ /us$/) printf "%.2f", v / 1000; else if (v ~ /ms$/) printf "%.2f", v; else printf "%.2f", v * 1000 }')
list_p99_ms=$(awk -v v="$list_p99" 'BEGIN { if (v ~ /us$/) printf "%.2f", v / 1000; else if (v ~ /ms$/) printf "%.2f", v; else printf "%.2f", v * 1000 }')
echo
echo "$(nproc) cores, $connections connections, ${duration}s each, HTTP_WORKERS $workers, DATABASE_POOL_SIZE 10 (default), $bin${WITH_ORG:+, token with org}"
printf '%-34s %12s %10s %12s %10s\n' "" "API req/s" "API p99" "pgbench tps" "API/pg"
printf '%-34s %12.0f %8s ms %12.0f %10.2f\n' "GET /api/v1/placements/{id}" "$single_rps" "$single_p99_ms" "$single_pg" "$(awk -v a="$single_rps" -v b="$single_pg" 'BEGIN {print a / b}')"
printf '%-34s %12.0f %8s ms %12.0f %10.2f\n' "GET /api/v1/placements?limit=50" "$list_rps" "$list_p99_ms" "$list_pg" "$(awk -v a="$list_rps" -v b="$list_pg" 'BEGIN {print a / b}')"
echo "service peak RSS: $((single_rss / 1024)) MB after the single reads, $((rss_kb / 1024)) MB after both; non-2xx answers: $single_bad, $list_bad"
if [ -n "${WITH_DELIVERY:-}" ]; then
  read -r requests distinct < <(curl -fs http://127.0.0.1:18191/count)
  echo "webhooks delivered meanwhile: $distinct messages ($requests requests), CHANGES_PER_TICK=$per_tick"
fi

verdict=0
awk -v a="$single_rps" -v b="$single_pg" 'BEGIN { exit !(a >= b / 2) }' || { echo "TARGET MISSED: single read under half of pgbench's rate"; verdict=1; }
awk -v p="$single_p99_ms" 'BEGIN { exit !(p <= 25) }' || { echo "TARGET MISSED: single read p99 over 25 ms"; verdict=1; }
[ "$rss_kb" -le $((100 * 1024)) ] || { echo "TARGET MISSED: RSS over 100 MB"; verdict=1; }
[ "${single_bad:-0}" = 0 ] && [ "${list_bad:-0}" = 0 ] || { echo "non-2xx answers under load"; verdict=1; }
[ "$verdict" -eq 0 ] && echo "targets met"
rm -rf "$out"
exit "$verdict"
