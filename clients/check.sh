#!/usr/bin/env bash
# The typed clients, checked as a front end would use them (part of make
# test): the document is linted with the pinned Redocly CLI and Spectral
# (clients/lint: their configs say which rule is off and why); the TypeScript client is generated from openapi/openapi.json with
# the pinned openapi-typescript and its example flow compiled with
# `tsc --strict` (no cast, no `any`: a document that needs one fails here);
# the Python client is generated with the pinned openapi-python-client and
# its flow checked with `mypy --strict`; then both flows run against the
# service on a fresh database beside DATABASE_URL's. npm's cache and the
# Python tools live under .data/, so a second run installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=target/debug/clauses
[ -x "$bin" ] || cargo build -q

. scripts/fresh-service.sh
fresh_database clients

echo "clients: what generators stumble on, refused in openapi/openapi.json"
python3 clients/lint_openapi.py

echo "clients: the document linted: Redocly (recommended) and Spectral (spectral:oas), 0 errors, 0 warnings"
(
  cd clients/lint
  export npm_config_cache="$root/.data/npm-cache" REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
  npm ci --no-audit --no-fund --prefer-offline --loglevel=error >/dev/null
  # Redocly fails only on errors: its totals hold the warnings too.
  npx redocly lint --config redocly.yaml --format json ../../openapi/openapi.json 2>/dev/null \
    | python3 -c 'import json, sys; t = json.load(sys.stdin)["totals"]; sys.exit(0 if t["errors"] == t["warnings"] == 0 else f"redocly: {t}")' \
    || { npx redocly lint --config redocly.yaml --format stylish ../../openapi/openapi.json; exit 1; }
  npx spectral lint --quiet --ruleset .spectral.yaml --fail-severity hint ../../openapi/openapi.json
)

echo "clients: TypeScript: install (pinned, package-lock.json), generate, tsc --strict"
(
  cd clients/typescript
  export npm_config_cache="$root/.data/npm-cache"
  npm ci --no-audit --no-fund --prefer-offline --loglevel=error >/dev/null
  npm run -s generate >/dev/null
  npm run -s build
)

echo "clients: Python: install (pinned, requirements.txt), generate, mypy --strict"
venv=.data/clients-venv
if ! cmp -s clients/python/requirements.txt "$venv/requirements.txt" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r clients/python/requirements.txt
  cp clients/python/requirements.txt "$venv/requirements.txt"
fi
(
  cd clients/python
  rm -rf generated
  "$root/$venv/bin/openapi-python-client" generate --path ../../openapi/openapi.json \
    --config config.yml --meta none --output-path generated/clauses_client >/dev/null
  MYPYPATH=generated "$root/$venv/bin/mypy" --strict --no-error-summary flow.py generated/clauses_client
)

start_service "$bin"

# A token names an organisation that exists: the company first, then its token.
facilitator=$("$bin" token --role facilitator --sub clients-facilitator --ttl 600)
company_id=$(curl -sf -H "Authorization: Bearer $facilitator" -H 'Content-Type: application/json' \
  -d '{"kind": "company", "name": "Bâtir Essonne", "siret": "73282932000074"}' "$api/api/v1/organisations" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
company=$("$bin" token --role company --org "$company_id" --sub clients-company --ttl 600)

echo "clients: TypeScript: the flow against the service"
(
  cd clients/typescript
  BASE_URL="$api" FACILITATOR_TOKEN="$facilitator" COMPANY_TOKEN="$company" COMPANY_ID="$company_id" node dist/flow.js
)
echo "clients: Python: the flow against the service"
(
  cd clients/python
  BASE_URL="$api" FACILITATOR_TOKEN="$facilitator" COMPANY_TOKEN="$company" COMPANY_ID="$company_id" \
    PYTHONPATH=generated "$root/$venv/bin/python" flow.py
)
