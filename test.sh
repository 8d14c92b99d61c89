#!/usr/bin/env bash
# Runs Pyfi's whole test suite on this machine: builds the solution, starts a private PostgreSQL server on
# 127.0.0.1 (installing PostgreSQL from Debian first if it is missing), runs every test, and ends with the
# line "N passed, N failed[, N skipped]" computed from the test results. Exits non-zero on any failure.
#   ./test.sh                 everything
#   ./test.sh --filter X      only tests matching the dotnet test filter X
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)
configuration=${PYFI_TEST_CONFIGURATION:-Release}
work=$(mktemp -d /tmp/pyfi-test.XXXXXX)
chmod 755 "$work"

log() { printf '\n== %s\n' "$*"; }

# PostgreSQL: from Debian when missing; a throwaway server of our own, so nothing global is touched.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bin)" ] || ! id postgres >/dev/null 2>&1; then
  log "installing PostgreSQL from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
bin=$(pg_bin)
pgdata="$work/pg"
mkdir -p "$pgdata" && chown postgres:postgres "$pgdata"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
stop_pg() { runuser -u postgres -- "$bin/pg_ctl" -D "$pgdata/data" -m fast stop >/dev/null 2>&1 || true; }
cleanup() { stop_pg; rm -rf "$work"; }
trap cleanup EXIT
log "starting PostgreSQL ($bin) on 127.0.0.1:$port"
runuser -u postgres -- "$bin/initdb" -D "$pgdata/data" -A trust -U postgres --no-sync >"$work/initdb.log" 2>&1 \
  || { cat "$work/initdb.log"; exit 1; }
runuser -u postgres -- "$bin/pg_ctl" -D "$pgdata/data" -l "$pgdata/server.log" -w \
  -o "-p $port -k $pgdata -c listen_addresses=127.0.0.1 -c max_connections=400" start >/dev/null
export PYFI_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
export PYFI_TEST_PG_BIN="$bin" PYFI_TEST_PG_DATA="$pgdata/data"

log "building ($configuration)"
dotnet build Orleans.sln -c "$configuration" -nologo -clp:ErrorsOnly

log "testing"
results="$work/results"
set +e
dotnet test Orleans.sln -c "$configuration" --no-build -nologo \
  --logger "trx;LogFilePrefix=pyfi" --logger "console;verbosity=normal" --results-directory "$results" "$@"
status=$?
set -e

summary=$(python3 "$root/.ci/trx_summary.py" "$results")
echo
echo "$summary"
if [ "$status" -ne 0 ] || ! grep -q ' 0 failed' <<<"$summary"; then exit 1; fi
