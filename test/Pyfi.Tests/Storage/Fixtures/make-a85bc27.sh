#!/usr/bin/env bash
# Makes the databases MigrationTests start today's build on: a network built and used by Pyfi at commit a85bc27
# (the last build before versioned migrations), on the embedded SQLite default and on PostgreSQL.
#   test/Pyfi.Tests/Storage/Fixtures/make-a85bc27.sh [BUILT_TREE]   (default /work/base-a85: a Release build of a85bc27)
# Writes, beside this script, a85bc27/pyfi.db and a85bc27/pyfi-calls.db (checkpointed: no -wal), a85bc27/postgres.sql
# (pg_dump --inserts of the same network on a private PostgreSQL server) and a85bc27/expected.json (what each
# holds: definitions, calls and their results, workflows and their results), so the tests need no old build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
old=${1:-/work/base-a85}
silo_dll="$old/src/Silo/bin/Release/net10.0/Pyfi.Silo.dll"
cli_dll="$old/src/Cli/bin/Release/net10.0/pyfi.dll"
[ -f "$silo_dll" ] && [ -f "$cli_dll" ] || { echo "no Release build of a85bc27 at $old" >&2; exit 2; }
[ "$(git -C "$old" rev-parse --short=7 HEAD)" = a85bc27 ] || { echo "$old is not at a85bc27" >&2; exit 2; }
out="$here/a85bc27"
work=$(mktemp -d /tmp/pyfi-fixture.XXXXXX)
chmod 755 "$work"
cd "$root"
. bench/common.sh
. scripts/private-postgres.sh
silo=
cleanup() { [ -n "$silo" ] && kill "$silo" 2>/dev/null; wait 2>/dev/null || true; private_postgres_stop "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT

# The processor: a git repository with three functions.
mkdir -p "$work/repo"
cat >"$work/repo/fixture_tasks.py" <<'PY'
def double(x):
    return x * 2


def greet(name):
    return "hello " + name


def boom():
    raise ValueError("boom")
PY
git -C "$work/repo" init -q -b main && git -C "$work/repo" add -A && git -C "$work/repo" -c user.email=f@pyfi -c user.name=fixture commit -qm fixture

pyfi() { dotnet "$cli_dll" "$@"; }

# build NAME [VAR=VALUE...]: starts the old silo, builds and uses the network, stops it; writes $work/NAME.json.
build() {
  local name=$1; shift
  export PYFI_GATEWAY="127.0.0.1:$(free_port)"
  env "$@" PYFI_DATA="$work/$name" PYFI_SILO_PORT="$(free_port)" PYFI_GATEWAY_PORT="${PYFI_GATEWAY##*:}" \
    PYFI_ORLEANS_GATEWAY_PORT="$(free_port)" PYFI_DASHBOARD_PORT=0 dotnet "$silo_dll" >"$work/$name.log" 2>&1 &
  silo=$!
  for _ in $(seq 600); do grep -qs "Pyfi silo ready" "$work/$name.log" && break; sleep 0.2; done
  grep -q "Pyfi silo ready" "$work/$name.log" || { cat "$work/$name.log" >&2; exit 1; }
  pyfi add queue -n fx.queue -t direct >/dev/null
  pyfi add processor -n fx.proc -g "$work/repo" -m fixture_tasks >/dev/null
  for f in double greet boom; do pyfi add socket -n "fx.$f" -q fx.queue -pn fx.proc -t "$f" -c 2 >/dev/null; done
  local doubled greeted failed keyed pipeline parallel
  doubled=$(pyfi task run -s fx.double -d 21 --no-wait)
  greeted=$(pyfi task run -s fx.greet -d "'migrated'" --no-wait)
  failed=$(pyfi task run -s fx.boom --nodata --max-attempts 1 --no-wait)
  keyed=$(pyfi task run -s fx.double -d 5 --key fixture-key --no-wait)
  printf 'pipeline:\n  - {socket: fx.double, args: [1]}\n  - {socket: fx.double}\n  - {socket: fx.double}\n' >"$work/pipeline.yaml"
  printf 'parallel:\n  - {socket: fx.double, args: [2]}\n  - {socket: fx.greet, args: [flow]}\n' >"$work/parallel.yaml"
  pipeline=$(pyfi flow run -f "$work/pipeline.yaml" --no-wait)
  parallel=$(pyfi flow run -f "$work/parallel.yaml" --no-wait)
  for id in "$doubled" "$greeted" "$keyed"; do pyfi task result --id "$id" --wait >/dev/null; done
  pyfi task result --id "$failed" --wait >/dev/null 2>&1 || true
  for id in "$pipeline" "$parallel"; do pyfi flow result --id "$id" --wait >/dev/null; done
  python3 - "$work/$name.json" <<PY
import json, sys
json.dump({
  "queues": ["fx.queue"], "processors": ["fx.proc"], "sockets": ["fx.boom", "fx.double", "fx.greet"],
  "calls": [
    {"id": "$doubled", "socket": "fx.double", "state": "succeeded", "result": "42"},
    {"id": "$greeted", "socket": "fx.greet", "state": "succeeded", "result": "hello migrated"},
    {"id": "$failed", "socket": "fx.boom", "state": "failed", "error": "ValueError"},
    {"id": "$keyed", "socket": "fx.double", "state": "succeeded", "result": "10", "key": "fixture-key"},
  ],
  "workflows": [
    {"id": "$pipeline", "result": "8", "steps": 3},
    {"id": "$parallel", "result": "[4,\"hello flow\"]", "steps": 2},
  ],
}, open(sys.argv[1], "w"), indent=2)
PY
  kill -TERM "$silo"; wait "$silo" || true; silo=
}

say "SQLite: the old silo on a fresh data folder"
build sqlite
mkdir -p "$out"
python3 - "$work/sqlite" <<'PY'
import sqlite3, sys
for f in ("pyfi.db", "pyfi-calls.db"):
    c = sqlite3.connect(f"{sys.argv[1]}/{f}")
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()
PY
cp "$work/sqlite/pyfi.db" "$work/sqlite/pyfi-calls.db" "$out/"
cp "$work/sqlite.json" "$out/expected.json"

say "PostgreSQL: the old silo on a private server"
private_postgres_start "$work/pg"
psql -h 127.0.0.1 -p "$PRIVATE_POSTGRES_PORT" -U postgres -X -q -c "CREATE DATABASE pyfi_fixture"
build postgres PYFI_STORAGE=postgres PYFI_POSTGRES="Host=127.0.0.1;Port=$PRIVATE_POSTGRES_PORT;Username=postgres;Database=pyfi_fixture"
# Plain INSERTs (no COPY from stdin, no psql meta-commands), so the test can run it through Npgsql.
pg_dump -h 127.0.0.1 -p "$PRIVATE_POSTGRES_PORT" -U postgres --inserts --no-owner --no-privileges pyfi_fixture \
  | grep -v '^\\' >"$out/postgres.sql"
cp "$work/postgres.json" "$out/expected-postgres.json"
ls -l "$out"
