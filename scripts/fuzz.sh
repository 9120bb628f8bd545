#!/usr/bin/env bash
# Fuzzes every operation of openapi/openapi.json with schemathesis (installed
# from PyPI into .data/fuzz-venv) against the service on demo data, once with
# a facilitator token and once with a company token. Fails on any finding:
# a 5xx, an undocumented status code, a response that does not match its
# schema or content type.
#   scripts/fuzz.sh                       run until FUZZ_MAX_TIME (default 300 s per role)
#   FUZZ_MAX_TIME=60 FUZZ_SEED=1 scripts/fuzz.sh   bounded and repeatable (make test)
# Uses DATABASE_URL's server when set (a fresh database beside it),
# a private cluster under .data/ otherwise.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
SCHEMATHESIS_VERSION=4.32.5
max_time=${FUZZ_MAX_TIME:-300}
max_examples=${FUZZ_MAX_EXAMPLES:-100}
bin=${CLAUSES_BIN:-target/debug/clauses}

venv=.data/fuzz-venv
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "fuzz: installing schemathesis $SCHEMATHESIS_VERSION from PyPI into $venv" >&2
  mkdir -p .data
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
[ -x "$bin" ] || cargo build -q

. scripts/fresh-service.sh
fresh_database fuzz
"$bin" demo-data >/dev/null
start_service "$bin"

facilitator=$("$bin" token --role facilitator --sub fuzz-facilitator --ttl 3600)
company_org=$(curl -sf -H "Authorization: Bearer $facilitator" "$api/api/v1/organisations?limit=500" |
  python3 -c 'import json,sys; print(next(o["id"] for o in json.load(sys.stdin)["items"] if o["kind"] == "company"))')
company=$("$bin" token --role company --org "$company_org" --sub fuzz-company --ttl 3600)

status=0
for role in facilitator company; do
  token=${!role}
  echo "fuzz: every operation as $role (up to ${max_time}s)"
  # One worker: with two, hypothesis's ast.parse from several threads trips
  # a CPython 3.11 bug ("AST constructor recursion depth mismatch").
  args=(run openapi/openapi.json --url "$api"
    -H "Authorization: Bearer $token"
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
    --phases examples,coverage,fuzzing
    --max-examples "$max_examples" --max-time "$max_time"
    --request-timeout 10 --workers 1 --no-color
    --suppress-health-check all)
  [ -n "${FUZZ_SEED:-}" ] && args+=(--seed "$FUZZ_SEED")
  rc=0

  "$venv/bin/schemathesis" "${args[@]}" >"$work/$role.txt" 2>&1 || rc=$?
  sed -n '/^=* *FAILURES/,/^=* *WARNINGS/p' "$work/$role.txt" | head -200
  grep -E '^(Test cases:|  [0-9]+ generated|=+ .* in [0-9.]+s)' "$work/$role.txt" || true
  if [ "$rc" -ne 0 ]; then
    status=1
    echo "fuzz: schemathesis exit code $rc as $role; its last lines:"
    sed -n "/^=* *ERRORS/,/^=* *WARNINGS/p" "$work/$role.txt" | head -60
    tail -40 "$work/$role.txt"
  fi
done
if grep -q "ERROR clauses\|panicked" "$work/serve.log"; then
  echo "fuzz: the service logged errors:" >&2
  grep "ERROR clauses\|panicked" "$work/serve.log" | head -20 >&2
  status=1
fi
[ "$status" -eq 0 ] && echo "fuzz: no findings" || echo "fuzz: FINDINGS (above)" >&2
exit "$status"
