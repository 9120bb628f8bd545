#!/usr/bin/env bash
# Benchmark of the history import (issue 28): a generated history of
# 20,000 people, 30,000 placements and 300,000 months, as one workbook and
# as five CSV files (Windows-style: ';', decimal commas, DD/MM/YYYY),
# imported by `clauses import-history` into an empty database: a dry run,
# then a commit, each timed with its peak RSS (GNU time); then every
# year's key figures read through HTTP and compared with the hours the
# generator summed. Targets: commit under 60 s, dry run under 30 s, peak
# RSS under 300 MB.
#
#   bench/history.sh [PEOPLE PLACEMENTS MONTHS]
set -euo pipefail
cd "$(dirname "$0")/.."

base=$(scripts/pg.sh start bench 55434 | sed 's|/clauses$||')
psql_() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
data=${TMPDIR:-/tmp}/clauses-history-bench

cargo build --release -q --bin clauses --example generate_history
./target/release/examples/generate_history "$data" "$@"

fresh() {
  psql_ "$base/postgres" -c "DROP DATABASE IF EXISTS clauses_history WITH (FORCE)" -c "CREATE DATABASE clauses_history"
  DATABASE_URL="$base/clauses_history" ./target/release/clauses migrate
}
# Runs the CLI under GNU time: prints the wall time and peak RSS.
measured() {
  local name=$1; shift
  DATABASE_URL="$base/clauses_history" RUST_LOG=warn /usr/bin/time -f "%e %M" -o /tmp/history-bench.time \
    ./target/release/clauses import-history "$@" > /tmp/history-bench.out
  read -r seconds kb < /tmp/history-bench.time
  python3 - "$name" "$seconds" "$kb" <<'PY'
import json, sys
name, seconds, kb = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
s = json.load(open("/tmp/history-bench.out"))
rows = {k: v["rows"] for k, v in s["sheets"].items()}
print(f"{name:<34} {seconds:6.1f} s  peak RSS {kb / 1024:6.1f} MB  errors {s['errors_total']}  rows {rows}")
assert s["errors_total"] == 0, s["errors"][:5]
PY
}

port=18094
secret=bench-history-secret-long-enough
check_figures() {
  DATABASE_URL="$base/clauses_history" JWT_SECRET=$secret BIND_ADDR=127.0.0.1:$port RUST_LOG=warn \
    ./target/release/clauses serve &
  local server=$!
  for _ in $(seq 600); do curl -fs "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.2; done
  local token
  token=$(JWT_SECRET=$secret ./target/release/clauses token --role facilitator --ttl 600)
  python3 - "$data/expected.json" "$port" "$token" <<'PY'
import json, sys, urllib.request
from decimal import Decimal
expected = json.load(open(sys.argv[1]))
for year, hours in expected.items():
    req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[2]}/api/v1/stats/key-figures?year={year}",
                                 headers={"Authorization": f"Bearer {sys.argv[3]}"})
    got = json.loads(urllib.request.urlopen(req).read(), parse_float=Decimal)
    ok = Decimal(str(got["hours"])) == Decimal(hours)
    print(f"  {year}: {got['hours']} h (generated {hours}) {'ok' if ok else 'DIFFERENT'}")
    assert ok
PY
  kill $server; wait $server 2>/dev/null || true
}

echo "== one workbook ($(du -h "$data/history.xlsx" | cut -f1))"
fresh
measured "history.xlsx, dry run" "$data/history.xlsx"
measured "history.xlsx, commit" "$data/history.xlsx" --commit
check_figures
measured "history.xlsx again (all unchanged)" "$data/history.xlsx"

echo "== five CSV files ($(du -ch "$data"/*.csv | tail -1 | cut -f1))"
fresh
for sheet in organisations contracts beneficiaries placements; do
  measured "$sheet.csv, commit" "$data/$sheet.csv" --commit
done
measured "hours.csv, dry run" "$data/hours.csv"
measured "hours.csv, commit" "$data/hours.csv" --commit
check_figures
