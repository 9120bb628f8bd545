#!/usr/bin/env bash
# The reference as a partner sees it: /docs rendered by headless Chromium
# (Debian's `chromium`), then every operation of openapi/openapi.json looked
# for in the page: its summary and the first words of its description must
# be on it. Writes a screenshot to bench/docs.png. Not part of make test
# (it needs a browser); run it after changing the document:
#
#   bench/docs.sh            # DATABASE_URL's server, or the private test cluster
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "docs: needs chromium (apt-get install chromium)" >&2; exit 1; }
cargo build -q
bin=target/debug/clauses

if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(scripts/pg.sh start test 55433)
fi
server_url=${DATABASE_URL%/*}
db_name="clauses_docs_$$"
psql "$server_url/postgres" -qc "CREATE DATABASE $db_name" >/dev/null
work=$(mktemp -d)
service=""
cleanup() {
  [ -n "$service" ] && kill "$service" 2>/dev/null && wait "$service" 2>/dev/null
  psql "$server_url/postgres" -qc "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DATABASE_URL="$server_url/$db_name" BIND_ADDR="127.0.0.1:$port" RUST_LOG=warn \
  JWT_SECRET="docs-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')" "$bin" serve >"$work/serve.log" 2>&1 &
service=$!
for _ in $(seq 1 200); do
  curl -sf "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
  sleep 0.05
done

# Redoc renders in the browser: give it virtual time to fetch and lay out.
browse() {
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/profile" \
    --virtual-time-budget=20000 "$@" "http://127.0.0.1:$port/docs" 2>/dev/null
}
browse --dump-dom >"$work/docs.html"
browse --window-size=1400,1800 --screenshot="$work/docs.png" >/dev/null
cp "$work/docs.png" bench/docs.png

python3 - "$work/docs.html" <<'EOF'
import html, json, re, sys
page = html.unescape(re.sub(r"<[^>]+>", " ", open(sys.argv[1], encoding="utf-8").read()))
# Markup splits words from their punctuation: compare without blanks.
page = "".join(page.split())
doc = json.load(open("openapi/openapi.json", encoding="utf-8"))
missing, count = [], 0
for path, item in doc["paths"].items():
    for method, op in item.items():
        count += 1
        summary = op.get("summary", "")
        # Redoc renders Markdown: compare the words of the description's
        # first line without its code marks.
        first = " ".join(op.get("description", "").replace("`", "").split()[:6])
        for what, text in (("summary", summary), ("description", first)):
            if not text or "".join(text.split()) not in page:
                missing.append(f"{method.upper()} {path}: {what} {text!r}")
print(f"docs: {count} operations, {count * 2 - len(missing)} of {count * 2} summaries and descriptions on the rendered page")
if missing:
    sys.exit("\n".join(missing))
EOF
echo "docs: screenshot in bench/docs.png"
