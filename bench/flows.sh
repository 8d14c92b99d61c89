#!/usr/bin/env bash
# Workflows beside Celery's canvas, several rounds of each in one run on this machine: a pipeline of 50 inc
# calls (Celery's chain) and a funnel of 200 noop calls into total (a chord). One figure of each is noisy on a
# shared machine; this prints every round and the medians, with the ratios. See bench/README.md.
#   bench/flows.sh [ROUNDS]       (default 5; BENCH_K, BENCH_F, BENCH_C as for the peers)
# Then, on a fresh silo each, parallels of BENCH_LARGE noop calls (default "10000 100000": the documented maximum)
# on a 2-slot socket: time, peak RSS of the silo and its workers, how fast the workflow answers meanwhile, and
# how many lines the silo logged. BENCH_LARGE_ONLY=1 runs only those.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rounds=${1:-5}
. bench/silo.sh

say "building (Release)"
dotnet build Orleans.sln -c Release -nologo -clp:ErrorsOnly >/dev/null
pyfi=(dotnet src/Cli/bin/Release/net10.0/pyfi.dll)
bench_repo "$work/repo"

large() {
  for steps in ${BENCH_LARGE:-10000 100000}; do
    say "Pyfi (2 slots): a parallel of $steps noop calls"
    start_silo "large-$steps" 2
    python3 bench/rss.py --tree "$silo" >"$work/rss-$steps.json" &
    local sampler=$!
    local before
    before=$(wc -l <"$work/large-$steps.log")
    dotnet bench/Pyfi.Bench/bin/Release/net10.0/Pyfi.Bench.dll flows-large --gateway "$PYFI_GATEWAY" --steps "$steps" >"$work/large-$steps.jsonl"
    kill -TERM "$sampler"; wait "$sampler" || true
    stop_silo
    python3 - "$work/large-$steps.jsonl" "$work/rss-$steps.json" "$(( $(wc -l <"$work/large-$steps.log") - before ))" <<'PY'
import json, sys
row = json.loads(open(sys.argv[1]).read())
rss = json.load(open(sys.argv[2]))
row.update(peak_rss_mb=rss["peak_total_mb"], silo_peak_rss_mb=max(p["peak_mb"] for p in rss["processes"] if "Pyfi.Silo" in p["command"]), log_lines=int(sys.argv[3]))
print(json.dumps(row))
PY
  done
}

if [ "${BENCH_LARGE_ONLY:-}" = 1 ]; then
  large
  exit 0
fi

say "Pyfi ($cores slots): $rounds rounds of the pipeline and the funnel"
start_silo flows "$cores"
dotnet bench/Pyfi.Bench/bin/Release/net10.0/Pyfi.Bench.dll flows --gateway "$PYFI_GATEWAY" --rounds "$rounds" | tee "$work/pyfi.jsonl"
stop_silo

large

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
