#!/usr/bin/env bash
# Benchmark of the facilitator's worklist on the territory of bench/load.sh
# (100,000 placements, 1,000,000 monthly rows, 7 % of them declared):
#   - the first page of GET /api/v1/hours?status=declared,
#   - the first page of GET /api/v1/hours/missing,
#   - a 10,000-line POST /api/v1/hours/validations (the months put back to
#     `declared` before each run, so every run applies 10,000 decisions).
# Prints the medians (20 calls for the pages, 5 runs for the decision), then
# the plans PostgreSQL used for the pages (EXPLAIN ANALYZE of the same SQL).
#
#   bench/worklist.sh           loads the territory if bench/load.sh has not
#   KEEP=1 bench/worklist.sh    reuse it
set -euo pipefail
cd "$(dirname "$0")/.."

base=$(scripts/pg.sh start bench 55434 | sed 's|/clauses$||')
db="$base/clauses_load"
. bench/territory.sh

cargo build --release -q
if [ -z "${KEEP:-}" ] || ! psql_ "$db" -tAc "SELECT 1" >/dev/null 2>&1; then
  psql_ "$base/postgres" -c "DROP DATABASE IF EXISTS clauses_load WITH (FORCE)" -c "CREATE DATABASE clauses_load"
  DATABASE_URL="$db" ./target/release/clauses migrate
  export BENCH_PLACEMENTS=100000
  load_territory "$db"
fi
DATABASE_URL="$db" ./target/release/clauses migrate
psql_ "$db" -c "VACUUM ANALYZE monthly_hours"
psql_ "$db" -tAc "SELECT 'data: ' || count(*) || ' months, ' || count(*) FILTER (WHERE status = 'declared') || ' declared' FROM monthly_hours"

port=18092
secret=bench-worklist-secret-long-enough
DATABASE_URL="$db" JWT_SECRET=$secret BIND_ADDR=127.0.0.1:$port RUST_LOG=warn ./target/release/clauses serve &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 600); do curl -fs "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.2; done
token=$(JWT_SECRET=$secret ./target/release/clauses token --role facilitator --ttl 600)
api="http://127.0.0.1:$port"

median() { sort -n | awk -v name="$1" '{a[NR]=$1} END {printf "%-44s median %.1f ms (min %.1f, max %.1f) over %d\n", name, (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)*1000, a[1]*1000, a[NR]*1000, NR}'; }
page() {
  local name=$1 url=$2
  curl -fs -o /dev/null -H "Authorization: Bearer $token" "$url" # warm-up
  for _ in $(seq 20); do
    curl -fs -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$url"
  done | median "$name"
}
page "first page of /hours?status=declared" "$api/api/v1/hours?status=declared"
page "first page of /hours/missing" "$api/api/v1/hours/missing?as_of=2026-01-01"

# 10,000 declared months, decided in one request.
psql_ "$db" -tAc "SELECT placement_id || ' ' || to_char(month, 'YYYY-MM') FROM monthly_hours WHERE status = 'declared' ORDER BY id LIMIT 10000" \
  | python3 -c '
import json, sys
lines = [l.split() for l in sys.stdin if l.strip()]
json.dump({"decisions": [{"placement_id": p, "month": m, "decision": "validated"} for p, m in lines]}, open("/tmp/decisions.json", "w"))
'
psql_ "$db" -c "DROP TABLE IF EXISTS bench_decided" \
  -c "CREATE TABLE bench_decided AS SELECT id FROM monthly_hours WHERE status = 'declared' ORDER BY id LIMIT 10000"
for _ in 1 2 3 4 5; do
  curl -fs -o /tmp/decisions-answer.json -w '%{time_total}\n' -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' --data-binary @/tmp/decisions.json "$api/api/v1/hours/validations"
  python3 -c 'import json; r = json.load(open("/tmp/decisions-answer.json")); assert r["validated"] == 10000, r["refused"]'
  psql_ "$db" -c "UPDATE monthly_hours SET status = 'declared', decided_by = NULL, decided_at = NULL WHERE id IN (SELECT id FROM bench_decided)" >/dev/null
done | median "10,000 decisions (all applied)"

echo
echo "Plans (EXPLAIN ANALYZE of the pages' SQL):"
psql_ "$db" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM monthly_hours WHERE status = 'declared' ORDER BY created_at, id LIMIT 51"
psql_ "$db" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
  SELECT p.id, p.contract_id, p.employer_id, m.month::date
  FROM placements p JOIN contracts c ON c.id = p.contract_id
  CROSS JOIN LATERAL generate_series(date_trunc('month', p.start_date),
      least(date_trunc('month', coalesce(p.end_date, c.end_date)), date_trunc('month', '2026-01-01'::date) - interval '1 month'),
      interval '1 month') AS m (month)
  WHERE NOT EXISTS (SELECT 1 FROM monthly_hours h WHERE h.placement_id = p.id AND h.month = m.month::date)
  ORDER BY p.id, m.month LIMIT 51"
