#!/usr/bin/env bash
# Workflows beside Celery's canvas, several rounds of each in one run on this machine: a pipeline of 50 inc
# calls (Celery's chain) and a funnel of 200 noop calls into total (a chord). One figure of each is noisy on a
# shared machine; this prints every round and the medians, with the ratios. See bench/README.md.
#   bench/flows.sh [ROUNDS]       (default 5; BENCH_K, BENCH_F, BENCH_C as for the peers)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rounds=${1:-5}
. bench/silo.sh

say "building (Release)"
dotnet build Orleans.sln -c Release -nologo -clp:ErrorsOnly >/dev/null
pyfi=(dotnet src/Cli/bin/Release/net10.0/pyfi.dll)
bench_repo "$work/repo"

say "Pyfi ($cores slots): $rounds rounds of the pipeline and the funnel"
start_silo flows "$cores"
dotnet bench/Pyfi.Bench/bin/Release/net10.0/Pyfi.Bench.dll flows --gateway "$PYFI_GATEWAY" --rounds "$rounds" | tee "$work/pyfi.jsonl"
stop_silo

say "Celery + Redis: $rounds runs of the peer benchmark (the other workloads made small)"
for _ in $(seq "$rounds"); do
  BENCH_N=50 BENCH_M=10 BENCH_S=4 REDIS_PORT=$(free_port) bash "$peers/run-celery.sh" | grep -E '"(pipeline|funnel)"' | tee -a "$work/celery.jsonl"
done

echo
python3 - "$work/pyfi.jsonl" "$work/celery.jsonl" <<'PY'
import json, statistics, sys
def load(path):
    runs = {}
    for line in open(path):
        row = json.loads(line)
        runs.setdefault(row["workload"], []).append(row["ms"])
    return runs
pyfi, celery = load(sys.argv[1]), load(sys.argv[2])
print("| workload | Pyfi, ms (median; every round) | Celery + Redis, ms (median; every run) | Pyfi / Celery | target |")
print("| --- | --- | --- | --- | --- |")
for workload, label, target in (("pipeline", "pipeline of 50 inc (chain)", 0.5), ("funnel", "funnel of 200 noop into total (chord)", 0.33)):
    ours, theirs = pyfi.get(workload, []), celery.get(workload, [])
    if not ours or not theirs:
        print(f"| {label} | {ours} | {theirs} | - | <= {target}x |")
        continue
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"| {label} | {a:g} ({', '.join(f'{x:g}' for x in ours)}) | {b:g} ({', '.join(f'{x:g}' for x in theirs)}) | {a / b:.2f}x | <= {target}x {'met' if a / b <= target else 'MISSED'} |")
PY
