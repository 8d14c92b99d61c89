#!/usr/bin/env bash
# What one noop call allocates in the silo, and where: a silo of this checkout (Release, embedded SQLite, 2 slots),
# warmed up, then traced with dotnet-trace's gc-verbose profile while N noop calls run at once through the .NET client
# (the throughput workload of bench/run.sh). Prints bytes a call in all, then by type and by site (Pyfi.Bench allocs).
# Allocations are counted, not timed, so the figure hardly moves with the host's load: compare builds with it.
#   bash bench/allocs.sh [N]      (default 20000; dotnet-trace is installed as a global tool if missing)
#   ALLOCS_TREE=DIR bash bench/allocs.sh   another build's silo, tool and bench client (a worktree built in Release,
#                                          e.g. an older commit), reported by this checkout's Pyfi.Bench
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
work=$(mktemp -d /tmp/pyfi-allocs.XXXXXX)
silo=""
cleanup() { [ -n "$silo" ] && kill "$silo" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
. bench/common.sh

trace_tool=$HOME/.dotnet/tools/dotnet-trace
[ -x "$trace_tool" ] || dotnet tool install -g dotnet-trace >/dev/null
say "building (Release)"
dotnet build Orleans.sln -c Release -nologo -clp:ErrorsOnly >/dev/null
tree=${ALLOCS_TREE:-.}
bench_repo "$work/repo"

gateway="127.0.0.1:$(free_port)"
PYFI_DATA="$work/data" PYFI_CORES=2 PYFI_SILO_PORT="$(free_port)" PYFI_GATEWAY_PORT="${gateway##*:}" \
  PYFI_ORLEANS_GATEWAY_PORT="$(free_port)" PYFI_DASHBOARD_PORT=0 \
  dotnet "$tree/src/Silo/bin/Release/net10.0/Pyfi.Silo.dll" >"$work/silo.log" 2>&1 &
silo=$!
for _ in $(seq 600); do grep -qs "Pyfi silo ready" "$work/silo.log" && break; sleep 0.1; done
export PYFI_GATEWAY=$gateway PYFI_TOKEN_FILE="$work/data/admin.token"
bench_network "$tree"
bench() { BENCH_N=$1 BENCH_M=1 BENCH_K=2 BENCH_F=2 BENCH_S=2 BENCH_C=2 dotnet "$tree/bench/Pyfi.Bench/bin/Release/net10.0/Pyfi.Bench.dll" calls --gateway "$gateway"; }
say "warming up (4,000 calls)"
bench 4000 >/dev/null

# The trace runs for a fixed time that the calls fit in (at ~1,000 calls/s or faster); the idle rest adds only timers.
seconds=$(( n / 1000 + 5 ))
say "tracing $seconds s while $n calls run"
"$trace_tool" collect -p "$silo" --profile gc-verbose -o "$work/allocs.nettrace" --duration "00:00:00:$(printf %02d "$seconds")" >"$work/trace.log" 2>&1 &
tracer=$!
for _ in $(seq 100); do grep -qs "Recording" "$work/trace.log" && break; sleep 0.1; done
bench "$n" | grep '"throughput"' >&2
wait "$tracer"
# Besides the N calls, the workload makes 50 warm-up calls, 1 timed call, a pipeline of 2, a funnel of 2 and 2 busy calls.
dotnet bench/Pyfi.Bench/bin/Release/net10.0/Pyfi.Bench.dll allocs "$work/allocs.nettrace" --calls $(( n + 58 )) --top "${ALLOCS_TOP:-40}"
