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

. scripts/fresh-service.sh
fresh_database docs
start_service "$bin"

# Redoc renders in the browser: give it virtual time to fetch and lay out.
browse() {
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/profile" \
    --virtual-time-budget=20000 "$@" "$api/docs" 2>/dev/null
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
