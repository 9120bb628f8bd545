#!/usr/bin/env bash
# Benchmark of the end-of-contract report (issue 27): one contract of five
# years with 1,000 placements (1,000 people) and 20,000 validated monthly
# hours, three amendments, its report as JSON and as PDF (and XLSX), 20
# calls each after a warm-up; prints the medians. Targets: JSON under
# 50 ms, PDF under 200 ms.
#
#   bench/report.sh
set -euo pipefail
cd "$(dirname "$0")/.."

base=$(scripts/pg.sh start bench 55434 | sed 's|/clauses$||')
db="$base/clauses_report"
psql_() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

cargo build --release -q
psql_ "$base/postgres" -c "DROP DATABASE IF EXISTS clauses_report WITH (FORCE)" -c "CREATE DATABASE clauses_report"
DATABASE_URL="$db" ./target/release/clauses migrate
psql_ "$db" <<'SQL'
INSERT INTO organisations (id, kind, name) VALUES
  ('00000000-0000-4000-8000-000000000001', 'buyer', 'Ville de Bench'),
  ('00000000-0000-4000-8000-000000000002', 'company', 'Bench BTP'),
  ('00000000-0000-4000-8000-000000000003', 'facilitator', 'Facilitateur de bench');
INSERT INTO contracts (id, buyer_id, holder_id, reference, title, clause_type, start_date, end_date,
                       amount_excl_tax, labour_share, insertion_rate, hourly_cost, commitment_hours, commitment_source,
                       penalty_per_missing_hour, penalty_cap_rate)
VALUES ('00000000-0000-4000-8000-000000000010', '00000000-0000-4000-8000-000000000001',
        '00000000-0000-4000-8000-000000000002', 'BENCH-1', 'Rénovation urbaine (bench)', 'execution_condition',
        '2020-01-01', '2024-12-31', 60000000, 0.40, 0.05, 35, 34285.71, 'computed', 60, 0.20);
INSERT INTO contract_amendments (id, contract_id, reference, signed_on, reason, amount_excl_tax, end_date)
SELECT gen_random_uuid(), '00000000-0000-4000-8000-000000000010', 'AV-' || n, ('2020-06-01'::date + n * 200), 'bench',
       60000000 + n * 1000000, CASE WHEN n = 3 THEN '2024-12-31'::date END
FROM generate_series(1, 3) AS n;
INSERT INTO beneficiaries (id, last_name, first_name, sex, birth_date, postal_code, qpv_code, eligibility)
SELECT ('00000000-0000-4000-8001-' || lpad(to_hex(n), 12, '0'))::uuid, 'Personne ' || n, 'Bench',
       CASE WHEN n % 9 = 0 THEN 'F' ELSE 'M' END, '1980-01-01'::date + (n * 13) % 9000, '91100',
       CASE WHEN n % 3 = 0 THEN 'QN09103M' END, '{rsa}'
FROM generate_series(1, 1000) AS n;
INSERT INTO placements (id, beneficiary_id, contract_id, employer_id, modality, job_title, start_date, end_date, weekly_hours)
SELECT ('00000000-0000-4000-8002-' || lpad(to_hex(n), 12, '0'))::uuid,
       ('00000000-0000-4000-8001-' || lpad(to_hex(n), 12, '0'))::uuid,
       '00000000-0000-4000-8000-000000000010', '00000000-0000-4000-8000-000000000002',
       (ARRAY['direct_fixed_term', 'integration_temporary_work', 'geiq', 'direct_permanent'])[1 + n % 4], 'Ouvrier',
       ('2020-01-01'::date + make_interval(months => n % 40))::date,
       ('2020-01-01'::date + make_interval(months => n % 40 + 20) - interval '1 day')::date, 35
FROM generate_series(1, 1000) AS n;
INSERT INTO monthly_hours (id, placement_id, month, worked_hours, training_hours, status, declared_by, declared_role,
                           decided_by, decided_at)
SELECT gen_random_uuid(), p.id, (p.start_date + make_interval(months => m))::date, 100 + (m % 7) * 3.25, 4,
       'validated', 'bench', 'company', 'bench', now()
FROM placements p CROSS JOIN generate_series(0, 19) AS m;
INSERT INTO outcomes (placement_id, situation)
SELECT id, (ARRAY['permanent_job', 'fixed_term_short', 'qualifying_training', 'job_seeking'])[1 + (row_number() OVER ()) % 4]
FROM placements WHERE end_date < '2024-12-31';
VACUUM ANALYZE;
SQL
psql_ "$db" -tAc "SELECT 'data: ' || (SELECT count(*) FROM placements) || ' placements, ' || (SELECT count(*) FROM monthly_hours) || ' monthly hours'"

port=18093
secret=bench-report-secret-long-enough
DATABASE_URL="$db" JWT_SECRET=$secret BIND_ADDR=127.0.0.1:$port RUST_LOG=warn ./target/release/clauses serve &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 600); do curl -fs "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.2; done
token=$(JWT_SECRET=$secret ./target/release/clauses token --role facilitator --ttl 600)
url="http://127.0.0.1:$port/api/v1/contracts/00000000-0000-4000-8000-000000000010/report"

median() { sort -n | awk -v name="$1" '{a[NR]=$1} END {printf "%-28s median %.1f ms (min %.1f, max %.1f) over %d\n", name, (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)*1000, a[1]*1000, a[NR]*1000, NR}'; }
timed() {
  local name=$1 url=$2
  curl -fs -o /tmp/report-bench.out -H "Authorization: Bearer $token" "$url" # warm-up
  for _ in $(seq 20); do
    curl -fs -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$url"
  done | median "$name"
}
timed "report (JSON)" "$url"
python3 -c 'import json; r = json.load(open("/tmp/report-bench.out")); print("  validated_hours", r["validated_hours"], "months", len(r["hours_by_month"]))'
timed "report.pdf" "$url.pdf"
ls -l /tmp/report-bench.out | awk '{print "  PDF bytes", $5}'
timed "report.xlsx" "$url.xlsx"
