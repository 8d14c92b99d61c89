#!/usr/bin/env bash
# Data flow beside Celery's chain, in one run on this machine (issue 15): a plug hop against a pipeline hop (a run of
# BENCH_K calls through a socket plugged to itself, against a pipeline of BENCH_K inc calls), calls/s through a
# three-stage plug chain (BENCH_N runs at once), and Celery's chain of BENCH_K inc calls from the peer benchmark and
# its three-stage chain (BENCH_N chains at once, bench/celery-chain3.sh).
#   bench/plugs.sh [ROUNDS]       (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rounds=${1:-3}
k=${BENCH_K:-50}
. bench/silo.sh

say "building (Release)"
dotnet build Orleans.sln -c Release -nologo -clp:ErrorsOnly >/dev/null
pyfi=(dotnet src/Cli/bin/Release/net10.0/pyfi.dll)
bench_repo "$work/repo"

say "Pyfi ($cores slots): $rounds rounds of a $k-hop plug run, a $k-step pipeline and ${BENCH_N:-2000} runs through a 3-stage plug chain"
start_silo plugs "$cores"
"${pyfi[@]}" add socket -n bench.loop -q bench -pn bench -t inc -c "$cores" >/dev/null
"${pyfi[@]}" add plug -n bench.loop -s bench.loop -t bench.loop --max-hops "$((k - 1))" >/dev/null
for s in s1 s2 s3; do "${pyfi[@]}" add socket -n "bench.$s" -q bench -pn bench -t noop -c "$cores" >/dev/null; done
"${pyfi[@]}" add plug -n bench.s1-s2 -s bench.s1 -t bench.s2 >/dev/null
"${pyfi[@]}" add plug -n bench.s2-s3 -s bench.s2 -t bench.s3 >/dev/null
for s in j0 ja jb; do "${pyfi[@]}" add socket -n "bench.$s" -q bench -pn bench -t noop -c "$cores" >/dev/null; done
"${pyfi[@]}" add socket -n bench.jt -q bench -pn bench -t pair -c "$cores" >/dev/null
"${pyfi[@]}" add plug -n bench.j0-ja -s bench.j0 -t bench.ja >/dev/null
"${pyfi[@]}" add plug -n bench.j0-jb -s bench.j0 -t bench.jb >/dev/null
"${pyfi[@]}" add plug -n bench.ja-jt -s bench.ja -t bench.jt --arg 0 >/dev/null
"${pyfi[@]}" add plug -n bench.jb-jt -s bench.jb -t bench.jt --arg 1 >/dev/null
dotnet bench/Pyfi.Bench/bin/Release/net10.0/Pyfi.Bench.dll plugs --gateway "$PYFI_GATEWAY" --rounds "$rounds" | tee "$work/pyfi.jsonl"
stop_silo

say "Celery + Redis: $rounds runs of the peer benchmark's chain of $k inc (the other workloads made small)"
for _ in $(seq "$rounds"); do
  BENCH_K=$k BENCH_N=50 BENCH_M=10 BENCH_F=10 BENCH_S=4 REDIS_PORT=$(free_port) bash "$peers/run-celery.sh" | grep -E '"pipeline"' | tee -a "$work/celery.jsonl"
done

say "Celery + Redis: $rounds runs of ${BENCH_N:-2000} three-stage chains (noop | noop | noop) at once"
for _ in $(seq "$rounds"); do
  PYFI_PEERS="$peers" BENCH_N=${BENCH_N:-2000} REDIS_PORT=$(free_port) bash bench/celery-chain3.sh | grep -E '"chain3"' | tee -a "$work/celery.jsonl"
done

echo
python3 - "$work/pyfi.jsonl" "$work/celery.jsonl" "$k" <<'PY'
import json, statistics, sys
def load(path):
    runs = {}
    for line in open(path):
        if line.startswith("{"):
            row = json.loads(line)
            runs.setdefault(row["workload"], []).append(row)
    return runs
pyfi, celery, k = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
med = lambda rows, key: statistics.median(r[key] for r in rows)
plug = med(pyfi["plug-hop"], "ms_per_hop")
pipe = med(pyfi["pipeline-hop"], "ms_per_hop")
chain = med(celery["pipeline"], "ms") / k if celery.get("pipeline") else float("nan")
print("| figure (median of rounds) | value | against |")
print("| --- | --- | --- |")
print(f"| Pyfi plug hop, ms | {plug:.3f} | pipeline hop {pipe:.3f} ms ({plug / pipe:.2f}x); Celery chain hop {chain:.3f} ms ({plug / chain:.2f}x) |")
print(f"| Pyfi pipeline hop, ms | {pipe:.3f} | Celery chain hop {chain:.3f} ms ({pipe / chain:.2f}x) |")
print(f"| Pyfi join of two positions, ms per run (200 runs at once: fan-out to two, joined) | {med(pyfi['plug-join'], 'ms_per_run'):.3f} | |")
c3 = med(celery["chain3"], "calls_per_s") if celery.get("chain3") else float("nan")
p3 = med(pyfi["plug-chain"], "calls_per_s")
print(f"| Pyfi 3-stage plug chain, calls/s | {p3:.0f} | Celery 3-stage chain {c3:.0f} calls/s ({p3 / c3:.2f}x); Pyfi runs/s {med(pyfi['plug-chain'], 'runs_per_s'):.0f} |")
PY
