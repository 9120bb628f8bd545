#!/usr/bin/env bash
# Faults an operator will meet, on the real binary and a real PostgreSQL that
# this script stops and starts (its own private cluster, "faults"):
#   1. PostgreSQL stops while writes flow: every request is answered within
#      2 s with 503 problem+json and Retry-After, /ready says 503, the service
#      serves again by itself when PostgreSQL is back, and no write answered
#      2xx before or after is missing.
#   2. A statement stuck on a lock is cancelled (DATABASE_STATEMENT_TIMEOUT_MS)
#      and answered 503 within 2 s.
#   3. SIGTERM under load: a request in flight is finished, no accepted
#      request is lost (a refused connection is not accepted), exit code 0.
# Usage: tests/faults.sh [path/to/clauses]   (default: target/debug/clauses)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${1:-target/debug/clauses}
[ -x "$bin" ] || cargo build -q
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  scripts/pg.sh stop faults || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "faults: FAIL: $*" >&2; [ -f "$work/serve.log" ] && tail -20 "$work/serve.log" >&2; exit 1; }
ok() { echo "faults: ok: $*"; }

url=$(scripts/pg.sh start faults 55440)
base=${url%/clauses}
pgport=${base##*:}
psql "$base/postgres" -qc "DROP DATABASE IF EXISTS clauses_faults" >/dev/null
psql "$base/postgres" -qc "CREATE DATABASE clauses_faults" >/dev/null
db="$base/clauses_faults"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
api="http://127.0.0.1:$port"
export JWT_SECRET=faults-secret-long-enough-for-hs256-signing
export DATABASE_URL=$db BIND_ADDR=127.0.0.1:$port RUST_LOG=info
export DATABASE_STATEMENT_TIMEOUT_MS=1000 SHUTDOWN_GRACE_SECONDS=10
token=$("$bin" token --role facilitator --sub faults --ttl 600)

start_service() {
  "$bin" serve >>"$work/serve.log" 2>&1 &
  server=$!
  pids+=("$server")
  for _ in $(seq 1 200); do
    curl -sf "$api/health" >/dev/null 2>&1 && return
    sleep 0.05
  done
  fail "the service did not start"
}

# call METHOD PATH [BODY]: prints "status seconds" (status 000 when no answer).
call() {
  local args=(-s -o "$work/body" -w '%{http_code} %{time_total}' --max-time 5 -X "$1"
    -H "Authorization: Bearer $token" "$api$2")
  [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data "$3")
  curl "${args[@]}" || true
}

# expect_503 WHAT METHOD PATH: a fast 503 problem with Retry-After.
expect_503() {
  local what=$1 out args=(-s -D "$work/headers" -o "$work/body" -w '%{http_code} %{time_total}'
    --max-time 5 -X "$2" -H "Authorization: Bearer $token" "$api$3")
  [ $# -ge 4 ] && args+=(-H 'Content-Type: application/json' --data "$4")
  out=$(curl "${args[@]}" || true)
  read -r status seconds <<<"$out"
  [ "$status" = 503 ] || fail "$what: status $status, not 503: $(cat "$work/body")"
  awk -v s="$seconds" 'BEGIN { exit !(s < 2.0) }' || fail "$what: answered in ${seconds}s, not within 2 s"
  grep -qi '^content-type: application/problem+json' "$work/headers" || fail "$what: not problem+json"
  grep -qi '^retry-after: ' "$work/headers" || fail "$what: no Retry-After"
  ok "$what: 503 problem+json with Retry-After in ${seconds}s"
}

start_service

# A record to read by id: reads by id go down each worker's pipelined
# connection, not the pool.
read -r status _ <<<"$(call POST /api/v1/organisations '{"kind":"company","name":"Known"}')"
[ "$status" = 201 ] || fail "could not create the record to read: $status"
known=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/body")
for _ in 1 2 3 4; do
  read -r status _ <<<"$(call GET "/api/v1/organisations/$known")"
  [ "$status" = 200 ] || fail "read by id before the outage: $status"
done

# 1. PostgreSQL stops while writes flow.
writer() {
  local i=0 out status seconds
  while [ ! -f "$work/stop-writer" ]; do
    i=$((i + 1))
    started=$(date +%s.%N)
    out=$(call POST /api/v1/organisations "{\"kind\":\"company\",\"name\":\"Faults $i\"}")
    read -r status seconds <<<"$out"
    echo "Faults $i $status $seconds $started" >>"$work/writes"
    sleep 0.02
  done
}
writer &
pids+=($!)
sleep 1
scripts/pg.sh stop faults
ok "PostgreSQL stopped"
sleep 0.5
expect_503 "/ready while PostgreSQL is down" GET /ready
expect_503 "a read while PostgreSQL is down" GET /api/v1/organisations
expect_503 "a read by id while PostgreSQL is down" GET "/api/v1/organisations/$known"
expect_503 "a write while PostgreSQL is down" POST /api/v1/organisations '{"kind":"company","name":"Never"}'
sleep 2
# On the same port: the service keeps its DATABASE_URL.
scripts/pg.sh restart faults "$pgport" >/dev/null
ok "PostgreSQL started again"
back=""
for _ in $(seq 1 100); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "$api/ready")" = 200 ]; then back=1; break; fi
  sleep 0.1
done
[ -n "$back" ] || fail "/ready did not come back to 200 by itself"
ready_at=$(date +%s.%N)
ok "/ready is 200 again, no restart"
# Once /ready says so, every request is served: a worker whose pipelined
# connection died unseen reads again on a new one, and a pooled connection
# that died at rest is tested before use and replaced.
codes=""
for _ in $(seq 1 8); do
  read -r status _ <<<"$(call GET "/api/v1/organisations/$known")"
  codes="$codes $status"
done
[ "$codes" = " 200 200 200 200 200 200 200 200" ] || fail "reads by id after the outage: $codes"
ok "reads by id served again, no restart:$codes"
sleep 1
touch "$work/stop-writer"
wait "${pids[-1]}" 2>/dev/null || true

total=$(wc -l <"$work/writes")
answered=$(awk '$3 == 201' "$work/writes" | wc -l)
refused=$(awk '$3 == 503' "$work/writes" | wc -l)
other=$(awk '$3 != 201 && $3 != 503' "$work/writes")
[ -z "$other" ] || fail "writes answered neither 201 nor 503: $other"
slow=$(awk '$4 >= 2.0' "$work/writes")
[ -z "$slow" ] || fail "writes answered in 2 s or more: $slow"
[ "$refused" -gt 0 ] || fail "no write met the outage; the test proves nothing"
[ "$(awk '$3 == 201' "$work/writes" | tail -1 | cut -d' ' -f2)" -gt "$(awk '$3 == 503' "$work/writes" | tail -1 | cut -d' ' -f2)" ] \
  || fail "no write succeeded after the outage"
stored=$(psql "$db" -qtAc "SELECT name FROM organisations WHERE name LIKE 'Faults %'" | sort)
missing=$(awk '$3 == 201 { print $1 " " $2 }' "$work/writes" | sort | comm -23 - <(echo "$stored"))
[ -z "$missing" ] || fail "writes answered 201 but missing: $missing"
late=$(awk -v t="$ready_at" '$5 > t && $3 != 201' "$work/writes")
[ -z "$late" ] || fail "writes begun after /ready came back, not answered 201: $late"
ok "$total writes: $answered answered 201 (all stored), $refused answered 503 fast, none other; all begun after /ready came back answered 201"

# 2. A statement stuck on a lock is cancelled.
psql "$db" -qc "BEGIN; LOCK TABLE organisations IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT" >/dev/null &
locker=$!
sleep 0.5
expect_503 "a read stuck behind a lock (statement timeout)" GET /api/v1/organisations
expect_503 "a read by id stuck behind a lock (statement timeout)" GET "/api/v1/organisations/$known"
wait "$locker"
read -r status _ <<<"$(call GET /api/v1/organisations)"
[ "$status" = 200 ] || fail "after the lock: status $status"
read -r status _ <<<"$(call GET "/api/v1/organisations/$known")"
[ "$status" = 200 ] || fail "read by id after the lock: status $status"
ok "served again once the lock is gone"

# 3. SIGTERM under load, with a request in flight.
loader() {
  local n=$1 code
  while [ ! -f "$work/stop-load" ]; do
    code=0
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 5 -H "Authorization: Bearer $token" \
      "$api/api/v1/organisations?limit=5" >>"$work/load-$n" || code=$?
    # 7: connection refused, the request was never accepted.
    [ "$code" -eq 0 ] || echo "curl-exit-$code" >>"$work/load-$n"
  done
}
for n in 1 2 3 4; do loader "$n" & pids+=($!); done
sleep 1
psql "$db" -qc "BEGIN; LOCK TABLE organisations IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(0.8); COMMIT" >/dev/null &
locker=$!
sleep 0.3
( call POST /api/v1/organisations '{"kind":"company","name":"In flight"}' >"$work/in-flight" ) &
inflight=$!
sleep 0.2
kill -TERM "$server"
term_at=$(date +%s.%N)
sleep 0.5
touch "$work/stop-load"
code=0
wait "$server" || code=$?
stopped_at=$(date +%s.%N)
[ "$code" -eq 0 ] || fail "exit code $code after SIGTERM, not 0"
wait "$inflight" "$locker"
status=$(cut -d" " -f1 "$work/in-flight")
[ "$status" = 201 ] || fail "the request in flight at SIGTERM got $status, not 201"
[ "$(psql "$db" -qtAc "SELECT count(*) FROM organisations WHERE name = 'In flight'")" = 1 ] \
  || fail "the request in flight was answered but not stored"
sleep 0.2
cat "$work"/load-* >"$work/load"
lost=$(grep -v -e '^200$' -e '^000$' "$work/load" | grep -v -x 'curl-exit-7' || true)
[ -z "$lost" ] || fail "requests lost at SIGTERM: $(sort "$work/load" | uniq -c)"
served=$(grep -c '^200$' "$work/load" || true)
refused=$(grep -c 'curl-exit-7' "$work/load" || true)
ok "SIGTERM: in-flight write finished (201), exit 0 after $(awk -v a="$term_at" -v b="$stopped_at" 'BEGIN { printf "%.2f", b - a }')s; load: $served answered 200, $refused refused at connect, none lost"
if grep -q "internal error\|panicked" "$work/serve.log"; then
  fail "the service logged an internal error: $(grep "internal error\|panicked" "$work/serve.log" | head -5)"
fi
broken=$(grep -v '^\[' "$work/serve.log" | head -3 || true)
[ -z "$broken" ] || fail "log records over several lines: $broken"
errors=$(grep ' ERROR ' "$work/serve.log" | head -3 || true)
[ -z "$errors" ] || fail "an expected outage logged at ERROR: $errors"
ok "no internal error logged; one line per record, warnings only"
echo "faults: all passed"
