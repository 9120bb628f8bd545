#!/usr/bin/env bash
# Figures of one territory when the deployment has two (issue 29): the
# generated territory of bench/key_figures.sh (200,000 people, 300,000
# placements, 3,000,000 monthly hours) split in two territories, A and B,
# each with its own facilitator and Département (A's also buys one in twenty
# of B's contracts). Prints the median of 20 calls of the key figures and
# of every breakdown key as each territory's facilitator, as A's
# Département, and for the whole deployment (the platform's team), and
# checks the targets: key figures <= 50 ms, breakdowns <= 150 ms.
#
#   bench/territories.sh            private cluster "bench" under .data/
#   KEEP=1 bench/territories.sh     reuse the data of a previous run
#   CALLS=10 bench/territories.sh   fewer calls per figure
#
# The data: bench/key_figures.sh's database copied when it is there (a file
# copy, seconds), else loaded afresh; then split in two (below), each
# person with all their placements in one territory, as the service keeps
# them.
set -euo pipefail
cd "$(dirname "$0")/.."

calls=${CALLS:-20}
base=$(scripts/pg.sh start bench 55434 | sed 's|/clauses$||')
db="$base/clauses_territories"
. bench/territory.sh

cargo build --release -q
if [ -z "${KEEP:-}" ] || ! psql_ "$db" -tAc "SELECT 1 FROM territories WHERE department_id IS NOT NULL AND name = 'Territoire B'" 2>/dev/null | grep -q 1; then
  psql_ "$base/postgres" -c "DROP DATABASE IF EXISTS clauses_territories WITH (FORCE)"
  if psql_ "$base/clauses_bench" -tAc "SELECT count(*) > 0 FROM monthly_hours" 2>/dev/null | grep -q t; then
    psql_ "$base/postgres" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'clauses_bench'" >/dev/null
    psql_ "$base/postgres" -c "CREATE DATABASE clauses_territories TEMPLATE clauses_bench"
    DATABASE_URL="$db" ./target/release/clauses migrate
  else
    psql_ "$base/postgres" -c "CREATE DATABASE clauses_territories"
    DATABASE_URL="$db" ./target/release/clauses migrate
    load_territory "$db"
  fi
  # Split with triggers off (a bench, run as the superuser), keeping what
  # the service and the database keep: a person and all their placements'
  # contracts in one territory. Contracts pair up in id order (1 and 2,
  # 3 and 4, ...), the second of each pair in B; people go to A or B by
  # their id; a placement whose contract lies in the other territory moves
  # to its contract's twin. Then the rollups that name a contract follow.
  psql_ "$db" <<'SQL'
SET session_replication_role = replica;
UPDATE territories SET name = 'Territoire A';
INSERT INTO territories (id, name) VALUES ('00090000-0000-4000-8000-00000000000b', 'Territoire B');
CREATE TEMP TABLE twin AS SELECT id, row_number() OVER (ORDER BY id) AS rn FROM contracts;
UPDATE contracts c SET territory_id = '00090000-0000-4000-8000-00000000000b'
  FROM twin WHERE twin.id = c.id AND twin.rn % 2 = 0;
UPDATE operations SET territory_id = '00090000-0000-4000-8000-00000000000b'
 WHERE id IN (SELECT id FROM operations ORDER BY id OFFSET (SELECT count(*) / 2 FROM operations));
UPDATE beneficiaries SET territory_id = '00090000-0000-4000-8000-00000000000b'
 WHERE get_byte(uuid_send(id), 15) % 2 = 0;
UPDATE placements p SET contract_id = t2.id
  FROM twin t1, twin t2, beneficiaries b, contracts c
 WHERE t1.id = p.contract_id AND c.id = p.contract_id AND b.id = p.beneficiary_id
   AND b.territory_id <> c.territory_id
   AND t2.rn = CASE WHEN t1.rn % 2 = 0 THEN t1.rn - 1 ELSE t1.rn + 1 END;
UPDATE placements p SET territory_id = c.territory_id
  FROM contracts c WHERE c.id = p.contract_id AND p.territory_id <> c.territory_id;
UPDATE placement_years py SET contract_id = p.contract_id
  FROM placements p WHERE p.id = py.placement_id AND py.contract_id <> p.contract_id;
UPDATE person_years py SET territory_id = b.territory_id
  FROM beneficiaries b WHERE b.id = py.beneficiary_id AND py.territory_id <> b.territory_id;
TRUNCATE hours_rollup;
INSERT INTO hours_rollup (contract_id, month, hours)
SELECT p.contract_id, h.month, sum(h.worked_hours + h.training_hours)
  FROM monthly_hours h JOIN placements p ON p.id = h.placement_id
 WHERE h.status = 'validated' GROUP BY 1, 2;
INSERT INTO organisations (id, kind, name, territory_id)
SELECT '00090000-0000-4000-8000-0000000000fa', 'facilitator', 'Facilitateur A', id
  FROM territories WHERE name = 'Territoire A';
INSERT INTO organisations (id, kind, name, territory_id)
VALUES ('00090000-0000-4000-8000-0000000000fb', 'facilitator', 'Facilitateur B',
        '00090000-0000-4000-8000-00000000000b');
-- Two Départements, one over each territory; A's also buys one in
-- twenty of B's contracts.
INSERT INTO organisations (id, kind, name, buyer_category) VALUES
  ('00090000-0000-4000-8000-0000000000d1', 'department', 'Département A', 'department'),
  ('00090000-0000-4000-8000-0000000000d2', 'department', 'Département B', 'department');
UPDATE territories SET department_id = CASE name WHEN 'Territoire A' THEN '00090000-0000-4000-8000-0000000000d1'::uuid
                                                 ELSE '00090000-0000-4000-8000-0000000000d2'::uuid END;
UPDATE contracts c SET buyer_id = '00090000-0000-4000-8000-0000000000d1'
  FROM twin WHERE twin.id = c.id AND twin.rn % 40 = 0;
RESET session_replication_role;
VACUUM ANALYZE;
SQL
fi
psql_ "$db" -tAc "SELECT 'placements across territories: ' || count(*) FROM placements p
                  JOIN beneficiaries b ON b.id = p.beneficiary_id JOIN contracts c ON c.id = p.contract_id
                  WHERE b.territory_id <> c.territory_id"
psql_ "$db" -tAc "SELECT t.name || ': ' || (SELECT count(*) FROM contracts c WHERE c.territory_id = t.id) || ' contracts, '
                  || (SELECT count(*) FROM beneficiaries b WHERE b.territory_id = t.id) || ' people, '
                  || (SELECT count(*) FROM monthly_hours h JOIN placements p ON p.id = h.placement_id
                        JOIN contracts c ON c.id = p.contract_id WHERE c.territory_id = t.id) || ' monthly hours'
                  FROM territories t ORDER BY t.name"

port=18081
secret=bench-territories-secret
DATABASE_URL="$db" JWT_SECRET=$secret BIND_ADDR=127.0.0.1:$port RUST_LOG=warn ./target/release/clauses serve &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 600); do curl -fs "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.5; done
tok() { JWT_SECRET=$secret ./target/release/clauses token --role facilitator --ttl 3600 "$@"; }
platform=$(tok)
fac_a=$(tok --org 00090000-0000-4000-8000-0000000000fa)
fac_b=$(tok --org 00090000-0000-4000-8000-0000000000fb)
dep_a=$(JWT_SECRET=$secret ./target/release/clauses token --role department --ttl 3600 --org 00090000-0000-4000-8000-0000000000d1)
territory_b=00090000-0000-4000-8000-00000000000b

out=$(mktemp)
trap 'kill $server 2>/dev/null || true; rm -f "$out"' EXIT
# measure NAME TARGET-MS URL TOKEN: median of $calls calls, checked
measure() {
  local name=$1 target=$2 url=$3 bearer=$4 times=()
  curl -fs -o /dev/null -H "Authorization: Bearer $bearer" "$url" # warm-up, and fails loudly
  for _ in $(seq "$calls"); do
    times+=("$(curl -fs -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $bearer" "$url")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" -v target="$target" '
    {a[NR]=$1}
    END {
      m = (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2) * 1000
      printf "%-44s median %6.1f ms (min %6.1f, max %6.1f)  target %s ms%s\n", name, m, a[1]*1000, a[NR]*1000,
             target, (target != "-" && m > target) ? "  MISSED" : ""
    }' | tee -a "$out"
}

url="http://127.0.0.1:$port/api/v1/stats"
for who in platform fac_a fac_b dep_a; do
  measure "key figures 2019, $who" 50 "$url/key-figures?year=2019" "${!who}"
done
measure "key figures 2019, platform, ?territory_id=B" 50 "$url/key-figures?year=2019&territory_id=$territory_b" "$platform"
for by in sex age_band qualification_level eligibility qpv modality contract operation month \
          clause_type market_nature cpv_division buyer_category employer_siae_type territory; do
  for who in platform fac_a fac_b dep_a; do
    measure "breakdown 2019 by $by, $who" 150 "$url/breakdown?year=2019&by=$by" "${!who}"
  done
done

# The figures of A and B add up to the whole deployment's: hours, and
# people (each lies in one territory).
figures() { curl -fs -H "Authorization: Bearer $1" "$url/key-figures?year=2019${2:-}" |
  python3 -c 'import json,sys; k = json.load(sys.stdin, parse_float=str); print(k["hours"], k["participants"], k["employment_contracts"])'; }
read -r ha pa ea <<<"$(figures "$fac_a")"
read -r hb pb eb <<<"$(figures "$fac_b")"
read -r hw pw ew <<<"$(figures "$platform")"
echo "2019, A + B against the whole: hours $ha + $hb = $hw, people $pa + $pb = $pw, employment contracts $ea + $eb = $ew"
verdict=0
python3 -c "from decimal import Decimal as D; exit(not (D('$ha') + D('$hb') == D('$hw') and $pa + $pb == $pw and $ea + $eb == $ew))" ||
  { echo "A + B differs from the whole"; verdict=1; }
# A's Département: A's figures and those of its purchases in B (other
# people: each person lies in one territory).
read -r hd pd ed <<<"$(figures "$dep_a")"
read -r hp pp ep <<<"$(figures "$platform" "&territory_id=$territory_b&buyer_id=00090000-0000-4000-8000-0000000000d1")"
echo "2019, A's Département against A + its purchases in B: hours $hd = $ha + $hp, people $pd = $pa + $pp, employment contracts $ed = $ea + $ep"
python3 -c "from decimal import Decimal as D; exit(not (D('$hd') == D('$ha') + D('$hp') and $pd == $pa + $pp and $ed == $ea + $ep))" ||
  { echo "A's Département differs from A + its purchases in B"; verdict=1; }
if grep -q MISSED "$out"; then echo "TARGETS MISSED: $(grep -c MISSED "$out")"; verdict=1; else echo "targets met"; fi
exit "$verdict"
