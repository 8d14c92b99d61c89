#!/usr/bin/env bash
# The PostgreSQL call store's writer alone, without silos: bench/CallStoreBench against a private PostgreSQL on
# 127.0.0.1 (scripts/private-postgres.sh), with N calls in flight each inserted, started and ended (three awaited
# writes) through one call store (one socket's writer). Prints a JSON line per run: calls/s and PostgreSQL's CPU
# per call. See bench/README.md ("callstore.sh — the PostgreSQL writer").
#   bash bench/callstore.sh [IN_FLIGHT...]     (default "64 2000"; BENCH_WRITERS="1" the store's writers, each list
#                                               item a run; BENCH_SECONDS=15 measured after BENCH_WARMUP=5,
#                                               BENCH_ROUNDS=3 runs of each; BENCH_SRC=DIR builds the bench from another
#                                               checkout's src/, e.g. one of the code before a change)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench/callstore.sh: must run as root (the private PostgreSQL runs as user postgres)" >&2; exit 1; }
in_flight=${*:-64 2000}
writer_counts=${BENCH_WRITERS:-1}
seconds=${BENCH_SECONDS:-15}
warmup=${BENCH_WARMUP:-5}
rounds=${BENCH_ROUNDS:-3}
src=${BENCH_SRC:-$(pwd)}

. scripts/private-postgres.sh
work=$(mktemp -d /tmp/pyfi-callstore-bench.XXXXXX)
chmod 755 "$work"
trap 'private_postgres_stop "$work/pg"; rm -rf "$work"' EXIT

# The bench's project sits beside the src/ it is built against.
if [ "$src" != "$(pwd)" ]; then
  mkdir -p "$src/bench" && rm -rf "$src/bench/CallStoreBench" && cp -r bench/CallStoreBench "$src/bench/"
fi
dotnet build "$src/bench/CallStoreBench" -c Release -nologo -clp:ErrorsOnly -o "$work/bin" >&2
private_postgres_start "$work/pg"
postmaster=$(head -n 1 "$work/pg/data/postmaster.pid")
for round in $(seq "$rounds"); do
  for n in $in_flight; do
    for w in $writer_counts; do
      BENCH_WRITERS=$w dotnet "$work/bin/CallStoreBench.dll" "$PRIVATE_POSTGRES" "$postmaster" "$n" "$seconds" "$warmup"
    done
  done
done
