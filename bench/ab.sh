#!/usr/bin/env bash
# Pyfi against itself at another commit, in one run on this machine: what a change costs. Builds BASE in a
# git worktree, then alternates the two builds (BASE, this checkout, BASE, ...) ROUNDS times over the calls
# workloads (throughput, latency, saturation; sizes as bench/run.sh) and prints the medians and ratios.
#   bench/ab.sh BASE [ROUNDS]      e.g. bench/ab.sh bfb5548 3
# AB_OWN_CLIENT=1 runs each side's workloads through its own build of the bench client (the .NET client with it).
# AB_BASE_ENV / AB_HEAD_ENV ("VAR=VALUE ...") set more silo settings for one side: with BASE = HEAD, two settings
# of one build, e.g. AB_HEAD_ENV="PYFI_DASHBOARD_PORT=18080" bench/ab.sh HEAD 3 (the dashboard and /metrics on).
# The sizes are the peers' (BENCH_N=2000 calls: a fifth of a second, as noisy as a few per cent here);
# BENCH_N=20000 bench/ab.sh BASE 4 measures a small change's cost over a longer run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
base=${1:?usage: bench/ab.sh BASE-COMMIT [ROUNDS]}
rounds=${2:-3}
cores=${BENCH_C:-$(nproc)}
work=$(mktemp -d /tmp/pyfi-ab.XXXXXX)
chmod 755 "$work"
silo=""
cleanup() { [ -n "$silo" ] && kill "$silo" 2>/dev/null; wait 2>/dev/null || true; git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
. bench/common.sh

say "building this checkout and $base (Release)"
dotnet build Orleans.sln -c Release -nologo -clp:ErrorsOnly >/dev/null
git worktree add -q --detach "$work/base" "$base"
(cd "$work/base" && dotnet build Orleans.sln -c Release -nologo -clp:ErrorsOnly >/dev/null)
bench_repo "$work/repo"

# one TREE LABEL ROUND [VAR=VALUE...]: a fresh silo of TREE's build, the calls workloads through this checkout's bench client.
one() {
  local tree=$1 label=$2 round=$3 data="$work/data-$2-$3"
  shift 3
  local gateway="127.0.0.1:$(free_port)"
  env PYFI_DATA="$data" PYFI_CORES="$cores" PYFI_SILO_PORT="$(free_port)" PYFI_GATEWAY_PORT="${gateway##*:}" \
    PYFI_ORLEANS_GATEWAY_PORT="$(free_port)" PYFI_DASHBOARD_PORT=0 "$@" \
    dotnet "$tree/src/Silo/bin/Release/net10.0/Pyfi.Silo.dll" >"$data.log" 2>&1 &
  silo=$!
  for _ in $(seq 600); do grep -qs "Pyfi silo ready" "$data.log" && break; sleep 0.1; done
  local pyfi=(dotnet "$root/src/Cli/bin/Release/net10.0/pyfi.dll")
  export PYFI_GATEWAY=$gateway
  # A build with tokens made its first admin token in the data folder; an older one needs none.
  if [ -f "$data/admin.token" ]; then export PYFI_TOKEN_FILE="$data/admin.token"; else unset PYFI_TOKEN_FILE; fi
  "${pyfi[@]}" add queue -n bench >/dev/null
  "${pyfi[@]}" add processor -n bench -g "$work/repo" -m bench_tasks >/dev/null
  for f in noop busy inc total; do "${pyfi[@]}" add socket -n "bench.$f" -q bench -pn bench -t "$f" -c "$cores" >/dev/null; done
  "${pyfi[@]}" task run -s bench.noop -d 1 >/dev/null
  # AB_OWN_CLIENT=1: each side's own bench client (needed when a grain interface changed: the clients differ too).
  local client=$root
  [ "${AB_OWN_CLIENT:-0}" = 1 ] && client=$tree
  PYFI_BENCH_SYSTEM="$label" BENCH_C=$cores dotnet "$client/bench/Pyfi.Bench/bin/Release/net10.0/Pyfi.Bench.dll" calls --gateway "$gateway" >>"$work/results.jsonl"
  kill -TERM "$silo"; wait "$silo" || true; silo=""
}

for round in $(seq "$rounds"); do
  say "round $round of $rounds"
  # shellcheck disable=SC2086 # the settings are split into VAR=VALUE words on purpose
  one "$work/base" "base" "$round" ${AB_BASE_ENV:-}
  # shellcheck disable=SC2086
  one "$root" "head" "$round" ${AB_HEAD_ENV:-}
done

python3 - "$work/results.jsonl" "$base" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def med(system, workload, key):
    values = [r[key] for r in rows if r["system"] == system and r["workload"] == workload and key in r]
    return statistics.median(values) if values else None
print(f"| figure (median of rounds) | {sys.argv[2]} | this checkout | this / base |")
print("| --- | --- | --- | --- |")
for workload, key, name in [("throughput", "calls_per_s", "throughput, calls/s"), ("latency", "p50_ms", "latency p50, ms"),
                            ("latency", "p99_ms", "latency p99, ms"), ("saturation", "efficiency", "saturation efficiency")]:
    b, h = med("base", workload, key), med("head", workload, key)
    if b is None or h is None: continue
    print(f"| {name} | {b:.3f} | {h:.3f} | {h / b:.2f}x |")
PY
