#!/usr/bin/env bash
# Benchmark of a 10,000-line hour statement (POST /api/v1/hours/batch) on
# the release build: 420 placements of 24 months, each run on an empty
# hours table (all lines created), then a replay (all unchanged) and a
# changed statement (all updated). Prints each median over 5 runs.
set -euo pipefail
cd "$(dirname "$0")/.."

base=$(scripts/pg.sh start bench 55434 | sed 's|/clauses$||')
db="$base/clauses_batch"
psql_() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
cargo build --release -q
psql_ "$base/postgres" -c "DROP DATABASE IF EXISTS clauses_batch WITH (FORCE)" -c "CREATE DATABASE clauses_batch"
DATABASE_URL="$db" ./target/release/clauses migrate
holder=00000000-0000-4000-8000-0000000000b2
psql_ "$db" <<SQL
INSERT INTO organisations (id, kind, name) VALUES
  ('00000000-0000-4000-8000-0000000000b1', 'buyer', 'Buyer'), ('$holder', 'company', 'Holder');
INSERT INTO contracts (id, buyer_id, holder_id, reference, title, clause_type, start_date, end_date, commitment_hours, commitment_source)
VALUES ('00000000-0000-4000-8000-0000000000c1', '00000000-0000-4000-8000-0000000000b1', '$holder', 'R', 'T',
        'execution_condition', '2019-01-01', '2020-12-31', 100000, 'given');
INSERT INTO beneficiaries (id, last_name, first_name, sex, birth_date, postal_code, eligibility)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, 'P', 'P', 'M', '1980-01-01', '91100', '{rsa}'
FROM generate_series(1, 420) n;
INSERT INTO placements (id, beneficiary_id, contract_id, employer_id, modality, job_title, start_date, end_date)
SELECT ('00000000-0000-4000-9000-' || lpad(to_hex(n), 12, '0'))::uuid, ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid,
       '00000000-0000-4000-8000-0000000000c1', '$holder', 'direct_fixed_term', 'Poste', '2019-01-01', '2020-12-31'
FROM generate_series(1, 420) n;
SQL
python3 - "$@" <<'PY'
import json
lines = []
for n in range(1, 421):
    for m in range(24):
        if len(lines) < 10000:
            lines.append({"placement_id": f"00000000-0000-4000-9000-{n:012x}", "month": f"{2019 + m // 12}-{m % 12 + 1:02d}",
                          "worked_hours": 120.5, "training_hours": 7})
json.dump({"lines": lines}, open("/tmp/statement.json", "w"))
for l in lines:
    l["worked_hours"] = 110.25
json.dump({"lines": lines}, open("/tmp/statement-changed.json", "w"))
PY

port=18081
secret=bench-secret
DATABASE_URL="$db" JWT_SECRET=$secret BIND_ADDR=127.0.0.1:$port RUST_LOG=warn ./target/release/clauses serve &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.2; done
token=$(JWT_SECRET=$secret ./target/release/clauses token --role company --org $holder --ttl 600)
post() {
  curl -fs -o /tmp/statement-answer.json -w '%{time_total}' -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' --data-binary @"$1" "http://127.0.0.1:$port/api/v1/hours/batch"
}
median() { sort -n | awk -v name="$1" '{a[NR]=$1} END {printf "%-40s median %.0f ms (min %.0f, max %.0f) over %d runs\n", name, a[int((NR+1)/2)]*1000, a[1]*1000, a[NR]*1000, NR}'; }
created=(); replayed=(); updated=()
for _ in 1 2 3 4 5; do
  psql_ "$db" -c "TRUNCATE monthly_hours, hours_rollup, changes" \
    -c "UPDATE placement_years SET centihours = 0, months = 0" -c "UPDATE person_years SET centihours = 0"
  created+=("$(post /tmp/statement.json)")
  replayed+=("$(post /tmp/statement.json)")
  updated+=("$(post /tmp/statement-changed.json)")
done
python3 -c "import json; a = json.load(open('/tmp/statement-answer.json')); print('last answer:', {k: a[k] for k in ('created', 'updated', 'unchanged', 'rejected')})"
printf '%s\n' "${created[@]}" | median "10,000 lines, all created"
printf '%s\n' "${replayed[@]}" | median "10,000 lines replayed, all unchanged"
printf '%s\n' "${updated[@]}" | median "10,000 lines changed, all updated"
