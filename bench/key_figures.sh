#!/usr/bin/env bash
# Benchmark of the key figures and a breakdown on a national-scale territory:
# 200,000 people, 300,000 placements, 3,000,000 monthly hours rows, loaded
# with COPY. Prints the median of 20 calls of each, and the plans PostgreSQL
# used (auto_explain with ANALYZE, from the server's log).
#
#   bench/key_figures.sh            private cluster "bench" under .data/
#   KEEP=1 bench/key_figures.sh     reuse the data of a previous run
set -euo pipefail
cd "$(dirname "$0")/.."

base=$(scripts/pg.sh start bench 55434 | sed 's|/clauses$||')
cluster=$(readlink -f .data/pg-bench)
db="$base/clauses_bench"
. bench/territory.sh

cargo build --release -q
if [ -z "${KEEP:-}" ] || ! psql_ "$db" -tAc "SELECT 1" >/dev/null 2>&1; then
  psql_ "$base/postgres" -c "DROP DATABASE IF EXISTS clauses_bench WITH (FORCE)" -c "CREATE DATABASE clauses_bench"
  DATABASE_URL="$db" ./target/release/clauses migrate
  time load_territory "$db"
fi
psql_ "$db" -tAc "SELECT 'rows: ' || (SELECT count(*) FROM beneficiaries) || ' people, ' || (SELECT count(*) FROM placements) || ' placements, ' || (SELECT count(*) FROM monthly_hours) || ' monthly hours'"

psql_ "$db" -c "ALTER DATABASE clauses_bench RESET ALL"
port=18080
secret=bench-secret
server=
start_server() {
  DATABASE_URL="$db" JWT_SECRET=$secret BIND_ADDR=127.0.0.1:$port RUST_LOG=warn ./target/release/clauses serve &
  server=$!
  for _ in $(seq 600); do curl -fs "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.5; done
}
trap 'kill $server 2>/dev/null || true' EXIT
start_server
token=$(JWT_SECRET=$secret ./target/release/clauses token --role facilitator --ttl 600)
buyer_token=$(JWT_SECRET=$secret ./target/release/clauses token --role buyer --org 00010000-0000-4000-8000-000000000007 --ttl 600)

measure() {
  local name=$1 url=$2 bearer=${3:-$token}
  local times=()
  curl -fs -H "Authorization: Bearer $bearer" "$url" >/dev/null # warm-up
  for _ in $(seq 20); do
    times+=("$(curl -fs -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $bearer" "$url")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" '{a[NR]=$1} END {printf "%-34s median %.1f ms (min %.1f, max %.1f) over %d calls\n", name, (a[10]+a[11])/2*1000, a[1]*1000, a[NR]*1000, NR}'
}

measure "key figures 2019" "http://127.0.0.1:$port/api/v1/stats/key-figures?year=2019"
measure "key figures 2019, one buyer" "http://127.0.0.1:$port/api/v1/stats/key-figures?year=2019&buyer_id=00010000-0000-4000-8000-000000000007"
measure "key figures 2019, as that buyer" "http://127.0.0.1:$port/api/v1/stats/key-figures?year=2019" "$buyer_token"
for by in sex age_band qualification_level eligibility qpv modality contract operation month \
          clause_type market_nature cpv_division buyer_category employer_siae_type; do
  measure "breakdown 2019 by $by" "http://127.0.0.1:$port/api/v1/stats/breakdown?year=2019&by=$by"
done
measure "breakdown 2019 by sex, as a buyer" "http://127.0.0.1:$port/api/v1/stats/breakdown?year=2019&by=sex" "$buyer_token"
measure "breakdown 2019 by month, as a buyer" "http://127.0.0.1:$port/api/v1/stats/breakdown?year=2019&by=month" "$buyer_token"
# An operation of 125 contracts, about 7,500 placements and 75,000 months.
operation=00060000-0000-4000-8000-000000000007
measure "operation fulfilment" "http://127.0.0.1:$port/api/v1/operations/$operation/fulfilment?on=2022-06-30"
measure "operation fulfilment, as a buyer" "http://127.0.0.1:$port/api/v1/operations/$operation/fulfilment?on=2022-06-30" "$buyer_token"
curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/operations/$operation/fulfilment?on=2022-06-30"; echo
curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/stats/key-figures?year=2019"; echo

# The plans, from the server's log: a fresh server whose sessions load
# auto_explain with ANALYZE, one call each.
kill $server; wait $server 2>/dev/null || true
psql_ "$db" -c "ALTER DATABASE clauses_bench SET session_preload_libraries = 'auto_explain'" \
  -c "ALTER DATABASE clauses_bench SET auto_explain.log_min_duration = 0" \
  -c "ALTER DATABASE clauses_bench SET auto_explain.log_analyze = on" \
  -c "ALTER DATABASE clauses_bench SET auto_explain.log_buffers = on"
log_start=$(wc -l < "$cluster/server.log")
start_server
curl -fs -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/stats/key-figures?year=2019"
curl -fs -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/stats/breakdown?year=2019&by=age_band"
curl -fs -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/stats/breakdown?year=2019&by=buyer_category"
curl -fs -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/operations/$operation/fulfilment?on=2022-06-30"
psql_ "$db" -c "ALTER DATABASE clauses_bench RESET ALL"
echo
echo "Plan of a key-figures call (auto_explain with ANALYZE, so slower than the timings above):"
tail -n +"$log_start" "$cluster/server.log" | python3 -c '
import re, sys
entries = re.split(r"\n(?=\d{4}-\d\d-\d\d )", sys.stdin.read())
plans = [e for e in entries if "plan:" in e and ("participants" in e or "operation_qpv" in e)]
print("\n\n".join(plans[-4:]) if plans else "(no plan logged)")
'
