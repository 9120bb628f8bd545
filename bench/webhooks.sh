#!/usr/bin/env bash
# Webhook delivery throughput (a benchmark, not a test): EVENTS changes
# (default 10,000) to SUBSCRIPTIONS subscriptions (default 10) of one
# local receiver, every change to every subscription, timed from the
# commit of the changes until the receiver has every message, with
# WEBHOOK_PROCESSES `clauses serve` processes delivering (default 1).
# Target of issue 30: 10,000 events to 10 subscriptions under 30 s.
#
#   bench/webhooks.sh
#   EVENTS=2000 SUBSCRIPTIONS=5 bench/webhooks.sh
#   WEBHOOK_PROCESSES=2 bench/webhooks.sh
#   BIN=/tmp/old/clauses bench/webhooks.sh   another build
set -euo pipefail
cd "$(dirname "$0")/.."

events=${EVENTS:-10000}
subs=${SUBSCRIPTIONS:-10}
processes=${WEBHOOK_PROCESSES:-1}
base=$(scripts/pg.sh start bench 55434 | sed 's|/clauses$||')
db="$base/clauses_webhooks"
psql_() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

bin=${BIN:-./target/release/clauses}
[ -n "${BIN:-}" ] || cargo build --release -q
cargo build --release -q --example webhook_receiver
psql_ "$base/postgres" -c "DROP DATABASE IF EXISTS clauses_webhooks WITH (FORCE)" -c "CREATE DATABASE clauses_webhooks"
DATABASE_URL="$db" "$bin" migrate

secret=bench-webhooks-secret-long-enough-for-hs256
key=$(head -c 32 /dev/urandom | base64)
rx_port=18191
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
./target/release/examples/webhook_receiver "127.0.0.1:$rx_port" &
pids+=($!)
serve() { # PORT
  DATABASE_URL="$db" JWT_SECRET=$secret BIND_ADDR=127.0.0.1:$1 RUST_LOG=warn \
    WEBHOOK_SECRET_KEY=$key WEBHOOK_ALLOW_HTTP=true WEBHOOK_ALLOWED_NETWORKS=127.0.0.0/8 \
    "$bin" serve &
  pids+=($!)
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$1/ready" >/dev/null && return; sleep 0.2; done
  echo "serve did not start" >&2; exit 1
}
for i in $(seq "$processes"); do serve $((18100 + i)); done
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$rx_port/count" >/dev/null && break; sleep 0.1; done

token=$(JWT_SECRET=$secret "$bin" token --role facilitator --sub bench --ttl 3600)
for i in $(seq "$subs"); do
  curl -fs -o /dev/null -X POST -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d "{\"url\": \"http://127.0.0.1:$rx_port/s$i\"}" http://127.0.0.1:18101/api/v1/webhooks
done

# The changes: EVENTS operations in one statement (the feed's trigger
# writes one change each).
start=$EPOCHREALTIME
psql_ "$db" -c "INSERT INTO operations (id, name, programme, start_date, territory_id)
                SELECT gen_random_uuid(), 'Opération ' || n, 'other', DATE '2026-01-01',
                       (SELECT id FROM territories ORDER BY created_at LIMIT 1)
                FROM generate_series(1, $events) n"
want=$((events * subs))
while :; do
  read -r requests distinct < <(curl -fs "http://127.0.0.1:$rx_port/count")
  [ "$distinct" -ge "$want" ] && break
  elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
  awk -v e="$elapsed" 'BEGIN { exit !(e > 300) }' && { echo "gave up after 300 s: $distinct of $want"; exit 1; }
  sleep 0.1
done
end=$EPOCHREALTIME
seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
logged=$(psql_ "$db" -tAc "SELECT count(*) FROM webhook_deliveries WHERE status_code BETWEEN 200 AND 299")
echo
echo "$(nproc) cores, $processes serve process(es), DATABASE_POOL_SIZE 10 (default), $bin"
echo "$events changes x $subs subscriptions = $want messages in $seconds s ($(awk -v n="$want" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }') /s); receiver: $requests requests, $distinct distinct; log: $logged delivered"
if awk -v s="$seconds" 'BEGIN { exit !(s < 30) }' && [ "$logged" -eq "$want" ]; then
  echo "target met (under 30 s)"
else
  echo "TARGET MISSED"; exit 1
fi
