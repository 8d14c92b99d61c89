#!/usr/bin/env bash
# Workflows beside Celery's canvas, several rounds of each in one run on this machine: a pipeline of 50 inc
# calls (Celery's chain) and a funnel of 200 noop calls into total (a chord). One figure of each is noisy on a
# shared machine; this prints every round and the medians, with the ratios. See bench/README.md.
#   bench/flows.sh [ROUNDS]       (default 5; BENCH_K, BENCH_F, BENCH_C as for the peers)
# Then, on a fresh silo each, parallels of BENCH_LARGE noop calls (default "10000 100000": the documented maximum)
# on a 2-slot socket: time, peak RSS of the silo and its workers, how fast the workflow answers meanwhile, and
# how many lines the silo logged; then, on another fresh silo, the tool's answers about a running parallel of
# BENCH_CONTROL calls (default 100000): `flow result`, `flow watch`'s first line, and `flow cancel` until the
# workflow ends cancelled. BENCH_LARGE_ONLY=1 runs only those.
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

# control: the tool (a process start each, as a user runs it) against a running parallel, 10 s into it.
control() {
  local steps=${BENCH_CONTROL:-100000}
  say "Pyfi (2 slots): flow result, watch and cancel on a running parallel of $steps noop calls"
  start_silo "control" 2
  python3 - "$steps" >"$work/control.yaml" <<'PY'
import sys
print("parallel:")
for i in range(int(sys.argv[1])):
    print(f"  - {{socket: bench.noop, args: [{i}]}}")
PY
  python3 - "$work/control.yaml" "${pyfi[@]}" <<'PY'
import json, subprocess, sys, time
flow_file, tool = sys.argv[1], sys.argv[2:]
def run(*args):
    t = time.perf_counter()
    p = subprocess.run([*tool, *args], capture_output=True, text=True, timeout=300)
    return (time.perf_counter() - t) * 1000, p
ms_start, started = run("flow", "run", "-f", flow_file, "--no-wait")
flow = started.stdout.strip()
time.sleep(10)
results = [run("flow", "result", "--id", flow) for _ in range(5)]
watches = []
for _ in range(3):
    t = time.perf_counter()
    watch = subprocess.Popen([*tool, "flow", "watch", "--id", flow], stdout=subprocess.PIPE, text=True)
    first_line = watch.stdout.readline().strip()
    watches.append((time.perf_counter() - t) * 1000)
    watch.kill()
    watch.wait()
ms_cancel, cancelled = run("flow", "cancel", "--id", flow)
t = time.perf_counter()
while True:
    _, after = run("flow", "result", "--id", flow)
    if after.returncode != 3: break
ms_ended = (time.perf_counter() - t) * 1000
print(json.dumps({"workload": "control", "steps": len(open(flow_file).readlines()) - 1,
    "run_no_wait_ms": round(ms_start), "result_ms": [round(ms) for ms, _ in results], "result_exit": results[-1][1].returncode,
    "result_says": results[-1][1].stdout.strip()[:120] or results[-1][1].stderr.strip()[:120],
    "watch_first_line_ms": [round(ms) for ms in watches], "watch_says": first_line[:80],
    "cancel_ms": round(ms_cancel), "cancel_exit": cancelled.returncode, "cancel_says": (cancelled.stdout or cancelled.stderr).strip()[:120],
    "cancel_to_ended_ms": round(ms_ended), "ended_exit": after.returncode, "ended_says": (after.stdout or after.stderr).strip()[:120]}))
PY
  stop_silo
}

if [ "${BENCH_LARGE_ONLY:-}" = 1 ]; then
  large
  control
  exit 0
fi

say "Pyfi ($cores slots): $rounds rounds of the pipeline and the funnel"
start_silo flows "$cores"
dotnet bench/Pyfi.Bench/bin/Release/net10.0/Pyfi.Bench.dll flows --gateway "$PYFI_GATEWAY" --rounds "$rounds" | tee "$work/pyfi.jsonl"
stop_silo

large
control

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
