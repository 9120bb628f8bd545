# Sourced (not run) by the scripts that try the service from outside on a
# throwaway database: clients/check.sh, scripts/fuzz.sh, bench/docs.sh.
#   fresh_database NAME   a new database beside DATABASE_URL's (or on the
#                         private test cluster), dropped on exit; exports
#                         DATABASE_URL to it, and sets $work, a scratch directory
#   start_service BIN     serves it on a free port with a random JWT_SECRET and
#                         WEBHOOK_SECRET_KEY (webhooks on); exports BIND_ADDR,
#                         JWT_SECRET and WEBHOOK_SECRET_KEY, sets $api, waits ready

fresh_database() {
  if [ -z "${DATABASE_URL:-}" ]; then
    DATABASE_URL=$(scripts/pg.sh start test 55433)
  fi
  server_url=${DATABASE_URL%/*}
  db_name="clauses_$1_$$"
  psql "$server_url/postgres" -qc "CREATE DATABASE $db_name" >/dev/null
  work=$(mktemp -d)
  service=""
  trap fresh_cleanup EXIT
  export DATABASE_URL="$server_url/$db_name" RUST_LOG=warn
}

fresh_cleanup() {
  [ -n "$service" ] && kill "$service" 2>/dev/null && wait "$service" 2>/dev/null
  psql "$server_url/postgres" -qc "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}

start_service() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  export BIND_ADDR="127.0.0.1:$port"
  export JWT_SECRET="fresh-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
  export WEBHOOK_SECRET_KEY="$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
  api="http://127.0.0.1:$port"
  "$1" serve >"$work/serve.log" 2>&1 &
  service=$!
  for _ in $(seq 1 200); do
    curl -sf "$api/ready" >/dev/null 2>&1 && break
    sleep 0.05
  done
  curl -sf "$api/ready" >/dev/null || { cat "$work/serve.log" >&2; exit 1; }
}
