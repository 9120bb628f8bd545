# Sourced by the benchmarks: loads the territory of bench/generate.py
# (scaled by BENCH_PLACEMENTS) into a migrated, empty database.

psql_() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# load_territory DATABASE-URL
load_territory() {
  local db=$1
  copy() { # TABLE COLUMNS
    local start=$EPOCHREALTIME
    python3 bench/generate.py "$1" | psql_ "$db" -c "\\copy $1 ($2) FROM STDIN WITH (FORMAT csv)"
    awk -v t="$1" -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "COPY %s: %.1f s (its triggers included)\n", t, b - a }' >&2
  }
  # The generated rows name no territory: they are the deployment's first
  # one's (the migrations made it), through defaults set for the load.
  local territory tables
  territory=$(psql_ "$db" -tAc "SELECT id FROM territories ORDER BY created_at LIMIT 1")
  tables=$(psql_ "$db" -tAc "SELECT string_agg(table_name, ' ') FROM information_schema.columns
                             WHERE table_schema = 'public' AND column_name = 'territory_id'
                               AND table_name IN ('contracts', 'operations', 'beneficiaries', 'placements', 'offers')")
  for t in $tables; do
    psql_ "$db" -c "ALTER TABLE $t ALTER COLUMN territory_id SET DEFAULT '$territory'"
  done
  copy organisations "id, kind, name, siae_type, buyer_category"
  psql_ "$db" -c "UPDATE organisations SET siae_type = NULLIF(siae_type, ''), buyer_category = NULLIF(buyer_category, '')"
  copy operations "id, name, programme, qpv_codes, start_date, target_hours"
  copy contracts "id, buyer_id, holder_id, reference, title, operation, operation_id, clause_type, start_date, end_date, commitment_hours, commitment_source, cpv_code, market_nature"
  psql_ "$db" -c "UPDATE contracts SET cpv_code = NULLIF(cpv_code, ''), market_nature = NULLIF(market_nature, '')"
  copy beneficiaries "id, last_name, first_name, sex, birth_date, postal_code, qpv_code, qualification_level, eligibility"
  psql_ "$db" -c "UPDATE beneficiaries SET qpv_code = NULLIF(qpv_code, ''), qualification_level = NULLIF(qualification_level, '')"
  copy placements "id, beneficiary_id, contract_id, employer_id, modality, job_title, start_date, end_date"
  copy monthly_hours "id, placement_id, month, worked_hours, training_hours, status, reason, declared_by, declared_role"
  for t in $tables; do
    psql_ "$db" -c "ALTER TABLE $t ALTER COLUMN territory_id DROP DEFAULT"
  done
  psql_ "$db" -c "VACUUM ANALYZE"
}
