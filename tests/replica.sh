#!/usr/bin/env bash
# Beyond one machine (API.md; issue 31), on real servers this script starts:
# a primary (private cluster "replica"), a streaming replica of it
# (pg_basebackup -R), PgBouncer in transaction mode in front of the primary
# (Debian's pgbouncer, installed when missing), and two `clauses serve`:
#   A: DATABASE_URL = the primary, DATABASE_REPLICA_URL = the replica
#   B: DATABASE_URL = PgBouncer, DATABASE_PREPARED_STATEMENTS=false,
#      DATABASE_MIGRATION_URL = the primary
# Checks:
#   1. writes on A are read the same on B (by id, lists, figures);
#   2. A's figures are read on the replica (its metric, and the replica's
#      pg_stat_database);
#   3. the replica stopped under a read load: no 5xx, figures from the
#      primary, back on the replica when it returns;
#   4. replay paused past REPLICA_MAX_LAG_SECONDS while writes go on: the
#      figures A answers come from the primary (they hold the new write);
#   5. through PgBouncer, the whole flow on B (write, read by id, list,
#      figures, bulk decisions) under a burst of 4 concurrent callers: no 5xx.
# Usage: tests/replica.sh [path/to/clauses]   (default: target/debug/clauses)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${1:-target/debug/clauses}
[ -x "$bin" ] || cargo build -q
work=$(mktemp -d)
chmod 755 "$work"
pids=()
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
standby=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/pgbouncer.pid" ] && kill "$(cat "$work/pgbouncer.pid")" 2>/dev/null || true
  [ -n "$standby" ] && as_pg "$bindir/pg_ctl" -D "$standby" -m immediate stop >/dev/null 2>&1 || true
  scripts/pg.sh stop replica >/dev/null 2>&1 || true
  [ -n "$standby" ] && rm -rf "$standby"
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "replica: FAIL: $*" >&2
  for log in "$work"/*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -15 "$log" >&2; }; done
  exit 1
}
ok() { echo "replica: ok: $*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

if ! command -v pgbouncer >/dev/null && [ ! -x /usr/sbin/pgbouncer ]; then
  echo "replica: installing Debian's pgbouncer" >&2
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq pgbouncer >/dev/null
fi
pgbouncer=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)

# The primary, and a fresh database on it.
url=$(scripts/pg.sh start replica 55460)
base=${url%/clauses}
pport=${base##*:}
"$bindir/psql" -X "$base/postgres" -qc "DROP DATABASE IF EXISTS clauses_replica WITH (FORCE)" >/dev/null
"$bindir/psql" -X "$base/postgres" -qc "CREATE DATABASE clauses_replica" >/dev/null
primary="$base/clauses_replica"
DATABASE_URL=$primary "$bin" migrate >"$work/migrate.log" 2>&1 || fail "migrate"

# The replica, next to the primary's data directory (where the postgres
# user may write), streaming from it.
cluster=$(readlink -f .data/pg-replica)
standby="$cluster-standby"
rm -rf "$standby"
mkdir -p "$standby"
[ "$(id -u)" -eq 0 ] && chown postgres: "$standby"
chmod 700 "$standby"
as_pg "$bindir/pg_basebackup" -h 127.0.0.1 -p "$pport" -U postgres -D "$standby" -R -X stream -c fast \
  >"$work/basebackup.log" 2>&1 || fail "pg_basebackup"
rport=$(free_port)
# standby.sh start|stop: the checks below stop and start the replica.
{
  echo '#!/usr/bin/env bash'
  echo 'set -e'
  echo 'as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }'
  echo 'case "$1" in'
  echo "  start) as_pg $bindir/pg_ctl -D $standby -l $standby/server.log -w -t 60 -o \"-p $rport -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c hot_standby=on -c max_connections=300\" start ;;"
  echo "  stop) as_pg $bindir/pg_ctl -D $standby -m fast -w stop ;;"
  echo 'esac'
} >"$work/standby.sh"
chmod +x "$work/standby.sh"
"$work/standby.sh" start >/dev/null || fail "the replica did not start: $(tail -5 "$standby/server.log")"
replica="postgres://postgres@127.0.0.1:$rport/clauses_replica"
[ "$("$bindir/psql" -X "$replica" -tAc 'SELECT pg_is_in_recovery()')" = t ] || fail "the replica is not in recovery"
ok "a primary on $pport and its streaming replica on $rport"

# PgBouncer in transaction mode in front of the primary.
bport=$(free_port)
cat >"$work/pgbouncer.ini" <<EOF
[databases]
clauses_replica = host=127.0.0.1 port=$pport dbname=clauses_replica
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bport
unix_socket_dir =
auth_type = trust
auth_file = $work/userlist.txt
pool_mode = transaction
default_pool_size = 4
max_client_conn = 500
pidfile = $work/pgbouncer.pid
logfile = $work/pgbouncer.log
EOF
echo '"postgres" ""' >"$work/userlist.txt"
[ "$(id -u)" -eq 0 ] && chown postgres: "$work" "$work/pgbouncer.ini" "$work/userlist.txt"
as_pg "$pgbouncer" -d "$work/pgbouncer.ini" >/dev/null 2>&1 || fail "pgbouncer did not start"
for _ in $(seq 50); do [ -f "$work/pgbouncer.pid" ] && break; sleep 0.1; done
bouncer="postgres://postgres@127.0.0.1:$bport/clauses_replica"
ok "PgBouncer $($pgbouncer --version | head -1 | awk '{print $2}') in transaction mode on $bport"

export JWT_SECRET=replica-secret-long-enough-for-hs256-signing
token=$("$bin" token --role facilitator --sub replica --ttl 600)
aport=$(free_port)
bport_api=$(free_port)
DATABASE_URL=$primary DATABASE_REPLICA_URL=$replica REPLICA_MAX_LAG_SECONDS=2 \
  BIND_ADDR=127.0.0.1:$aport RUST_LOG=warn "$bin" serve >"$work/a.log" 2>&1 &
pids+=($!)
DATABASE_URL=$bouncer DATABASE_PREPARED_STATEMENTS=false DATABASE_MIGRATION_URL=$primary \
  BIND_ADDR=127.0.0.1:$bport_api RUST_LOG=warn "$bin" serve >"$work/b.log" 2>&1 &
pids+=($!)
for port in $aport $bport_api; do
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.05; done
  curl -sf "http://127.0.0.1:$port/ready" >/dev/null || fail "serve on $port did not start"
done
ok "A on $aport (primary + replica), B on $bport_api (through PgBouncer)"

export A="http://127.0.0.1:$aport" B="http://127.0.0.1:$bport_api" TOKEN=$token
export REPLICA=$replica STANDBY_SH=$work/standby.sh PSQL=$bindir/psql
python3 - <<'PY' || fail "the checks above"
import json, os, subprocess, threading, time, urllib.request, urllib.error

A, B, TOKEN = os.environ["A"], os.environ["B"], os.environ["TOKEN"]

def call(base, method, path, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + TOKEN)
    if body is not None:
        req.add_header("Content-Type", "application/merge-patch+json" if method == "PATCH" else "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, res.read(), res.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers

def ok_json(base, method, path, body=None, status=(200, 201), headers=None):
    s, text, h = call(base, method, path, body, headers)
    assert s in status, f"{method} {path} on {base}: {s} {text[:300]!r}"
    return json.loads(text) if text else None, h

def metric(base, name):
    with urllib.request.urlopen(base + "/metrics", timeout=10) as res:
        for line in res.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    raise AssertionError(f"{name} not in {base}/metrics")

def replica_xacts():
    out = subprocess.run([os.environ["PSQL"], "-X", "-tAc",
        "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'clauses_replica'",
        os.environ["REPLICA"]], capture_output=True, text=True, check=True)
    return int(out.stdout.strip())

def ok(what):
    print("replica: ok:", what, flush=True)

def work(base, ref):
    buyer, _ = ok_json(base, "POST", "/api/v1/organisations", {"kind": "buyer", "name": f"Acheteur {ref}"})
    company, _ = ok_json(base, "POST", "/api/v1/organisations", {"kind": "company", "name": f"Entreprise {ref}"})
    contract, _ = ok_json(base, "POST", "/api/v1/contracts", {
        "buyer_id": buyer["id"], "holder_id": company["id"], "reference": ref,
        "title": "Réhabilitation de 120 logements", "clause_type": "execution_condition",
        "start_date": "2019-01-01", "end_date": "2020-12-31",
        "amount_excl_tax": 1000000, "labour_share": 0.40, "insertion_rate": 0.05, "hourly_cost": 25})
    person, _ = ok_json(base, "POST", "/api/v1/beneficiaries", {
        "last_name": "Martin", "first_name": "Camille", "sex": "F", "birth_date": "1990-05-01",
        "postal_code": "91100", "eligibility": ["rsa"]})
    placement, _ = ok_json(base, "POST", "/api/v1/placements", {
        "beneficiary_id": person["id"], "contract_id": contract["id"], "employer_id": company["id"],
        "modality": "direct_fixed_term", "job_title": "Maçon", "start_date": "2019-01-01",
        "end_date": "2019-12-31"})
    ok_json(base, "PUT", f"/api/v1/placements/{placement['id']}/hours/2019-03", {"worked_hours": 35.25})
    return contract, placement

def figures(base):
    body, _ = ok_json(base, "GET", "/api/v1/stats/key-figures?year=2019")
    return body["hours"], body["employment_contracts"]

# 1. Writes on A, read on B.
contract, placement = work(A, "R-A-1")
got, _ = ok_json(B, "GET", f"/api/v1/contracts/{contract['id']}")
assert got == contract, (got, contract)
got, _ = ok_json(B, "GET", f"/api/v1/placements/{placement['id']}")
assert got["id"] == placement["id"]
items = ok_json(B, "GET", f"/api/v1/placements?contract_id={contract['id']}")[0]["items"]
assert [p["id"] for p in items] == [placement["id"]], items
time.sleep(1.5)  # the replica replays, and A measures its lag
assert figures(A) == figures(B) == (35.25, 1), (figures(A), figures(B))
ok("a write on A reads the same on B: by id, in a list, in the figures")

# 2. A's figures and lists are read on the replica.
reads, xacts = metric(A, "db_replica_reads_total"), replica_xacts()
for _ in range(5):
    figures(A)
    ok_json(A, "GET", "/api/v1/contracts")
assert metric(A, "db_replica_reads_total") >= reads + 10, metric(A, "db_replica_reads_total")
# A backend reports its counts when idle, at most once a second.
deadline = time.time() + 15
while replica_xacts() < xacts + 10:
    assert time.time() < deadline, ("the replica's pg_stat_database", xacts, replica_xacts())
    time.sleep(0.25)
ok("A's figures and lists read on the replica (db_replica_reads_total and the replica's pg_stat_database)")

# 3. The replica stopped under a read load.
statuses, stop = [], threading.Event()
def reader():
    while not stop.is_set():
        for path in ("/api/v1/stats/key-figures?year=2019", "/api/v1/contracts", "/api/v1/placements"):
            statuses.append(call(A, "GET", path)[0])
threads = [threading.Thread(target=reader) for _ in range(4)]
for t in threads:
    t.start()
time.sleep(1)
fallbacks = metric(A, "db_replica_fallbacks_total")
subprocess.run([os.environ["STANDBY_SH"], "stop"], check=True, stdout=subprocess.DEVNULL)
time.sleep(3)
assert figures(A) == (35.25, 1)
assert metric(A, "db_replica_fallbacks_total") > fallbacks
subprocess.run([os.environ["STANDBY_SH"], "start"], check=True, stdout=subprocess.DEVNULL)
reads = metric(A, "db_replica_reads_total")
deadline = time.time() + 15
while metric(A, "db_replica_reads_total") <= reads:
    assert time.time() < deadline, "the replica was not used again"
    time.sleep(0.2)
stop.set()
for t in threads:
    t.join()
bad = [s for s in statuses if s >= 500]
assert not bad and statuses, f"{len(bad)} answers 5xx of {len(statuses)}: {sorted(set(bad))}"
ok(f"the replica stopped under a read load: {len(statuses)} answers, none 5xx; the primary served, then the replica again")

# 4. Replay paused past the lag allowed, writes going on.
subprocess.run([os.environ["PSQL"], "-X", "-qc", "SELECT pg_wal_replay_pause()", os.environ["REPLICA"]], check=True)
fallbacks = metric(A, "db_replica_fallbacks_total")
work(A, "R-A-2")
time.sleep(3.5)  # over REPLICA_MAX_LAG_SECONDS=2, and one measurement more
ok_json(A, "PUT", f"/api/v1/placements/{placement['id']}/hours/2019-04", {"worked_hours": 7})
assert figures(A) == (77.5, 2), figures(A)
assert metric(A, "db_replica_fallbacks_total") > fallbacks
assert metric(A, "db_replica_lag_seconds") > 2
subprocess.run([os.environ["PSQL"], "-X", "-qc", "SELECT pg_wal_replay_resume()", os.environ["REPLICA"]], check=True)
ok("replay paused past the lag allowed: A's figures from the primary, with the newest writes")

# 5. Through PgBouncer: the whole flow on B, 4 callers at once.
errors = []
def flow(i):
    try:
        for j in range(4):
            c, p = work(B, f"R-B-{i}-{j}")
            got, h = ok_json(B, "GET", f"/api/v1/contracts/{c['id']}")
            assert got == c
            ok_json(B, "GET", f"/api/v1/placements/{p['id']}")
            ok_json(B, "GET", f"/api/v1/placements?contract_id={c['id']}")
            ok_json(B, "PATCH", f"/api/v1/contracts/{c['id']}", {"title": f"Titre {i} {j}"},
                    headers={"If-Match": h["ETag"]})
            ok_json(B, "POST", "/api/v1/hours/validations", {"decisions": [
                {"placement_id": p["id"], "month": "2019-03", "decision": "validated"}]})
            figures(B)
    except Exception as e:
        errors.append(repr(e))
threads = [threading.Thread(target=flow, args=(i,)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert not errors, errors
hours, contracts = figures(B)
assert contracts == 2 + 16 and hours == 77.5 + 16 * 35.25, (hours, contracts)
ok("through PgBouncer: 4 callers x 4 flows (write, read by id, list, change, bulk decisions, figures), all answered, figures exact")
PY
! grep -q "__diesel_stmt\|prepared statement" "$work/b.log" || fail "B logged a prepared statement error"
# The server connections B used through PgBouncer kept no session setting.
for setting in "jit on" "statement_timeout 0" "idle_in_transaction_session_timeout 0"; do
  set -- $setting
  got=$("$bindir/psql" -X "$bouncer" -tAc "SHOW $1")
  [ "$got" = "$2" ] || fail "a server connection behind PgBouncer has $1 = $got, not the server's $2"
done
ok "no session setting left on PgBouncer's server connections"
