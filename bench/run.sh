#!/usr/bin/env bash
# Pyfi beside Celery on Redis (the engine the original PYFI runs on), in one run on this machine:
# the peers' workloads (throughput, latency, pipeline, funnel, saturation), a one-shot call from a fresh shell, and the
# resident memory of the workers. Prints JSON lines, then a table with the ratios. See bench/README.md.
#   bench/run.sh            (BENCH_N, BENCH_M, BENCH_K, BENCH_F, BENCH_S, BENCH_C change the sizes, as for the peers)
#   (bench/flows.sh repeats only the workflow workloads, several rounds of each system, for medians)
# Passes: Pyfi on the embedded default (SQLite, synchronous=NORMAL: a commit survives the silo being killed),
# Pyfi with PYFI_SQLITE_SYNC=Full (a commit survives power loss), the Celery peer; then both again with 8
# slots on these cores, for memory only (how each grows with slots).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. bench/silo.sh

say "building (Release) and publishing the pyfi tool as a Native AOT binary"
dotnet build Orleans.sln -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet publish src/Cli -c Release -r linux-x64 -p:PublishAot=true -p:CppCompilerAndLinker=clang-14 -nologo -clp:ErrorsOnly -o "$work/cli" >/dev/null
pyfi=("$work/cli/pyfi")

say "a processor repository with the peers' four functions"
bench_repo "$work/repo"


# pyfi_calls SYSTEM SLOTS OUT: the call workloads against the running silo, its memory sampled meanwhile.
pyfi_calls() {
  local system=$1 slots=$2 out=$3
  python3 bench/rss.py --tree "$silo" >"$work/rss.json" &
  local sampler=$!
  PYFI_BENCH_SYSTEM=$system BENCH_C=$slots dotnet bench/Pyfi.Bench/bin/Release/net10.0/Pyfi.Bench.dll calls --gateway "$PYFI_GATEWAY" | tee -a "$out"
  kill -TERM "$sampler"; wait "$sampler" || true
  echo "{\"system\": \"$system\", \"workload\": \"memory\", $(tail -c +2 "$work/rss.json")" | tee -a "$out"
}

# median_ms COMMAND: median wall time of 11 runs of COMMAND from a fresh shell.
median_ms() {
  for _ in $(seq 11); do
    t0=$(date +%s%N); bash -c "$1" >/dev/null; echo $(( ($(date +%s%N) - t0) / 1000 ))
  done | sort -n | sed -n 6p | python3 -c "import sys; print(round(int(sys.stdin.read()) / 1000, 1))"
}

say "Pyfi ($cores slots, SQLite synchronous=NORMAL): throughput, latency, saturation, memory"
start_silo normal "$cores"
pyfi_calls pyfi "$cores" "$work/pyfi.jsonl"
say "Pyfi: one-shot pyfi task run from a fresh shell (median of 11)"
"${pyfi[@]}" task run -s bench.noop -d 1 >/dev/null
echo "{\"system\": \"pyfi\", \"workload\": \"one-shot\", \"median_ms\": $(median_ms "'${pyfi[0]}' task run -s bench.noop -d 1")}" | tee -a "$work/pyfi.jsonl"
stop_silo

say "Pyfi ($cores slots, PYFI_SQLITE_SYNC=Full: every commit flushed to disk)"
start_silo full "$cores" PYFI_SQLITE_SYNC=Full
pyfi_calls "pyfi-full-sync" "$cores" "$work/pyfi.jsonl"
stop_silo

say "Celery + Redis: the peer benchmark (../shared/bench/peers/run-celery.sh)"
python3 bench/rss.py --match "celery -A celery_tasks worker" >"$work/celery-rss.json" &
sampler=$!
bash "$peers/run-celery.sh" | tee "$work/celery.jsonl"
kill -TERM "$sampler"; wait "$sampler" || true
echo "{\"system\": \"celery+redis\", \"workload\": \"memory\", $(tail -c +2 "$work/celery-rss.json")" | tee -a "$work/celery.jsonl"

say "Celery + Redis: one-shot call from a fresh Python (median of 11), against a worker started as the peer script starts it"
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync everysec --dir "$work" --daemonize no >"$work/redis.log" 2>&1 &
redis=$!
pids+=("$redis")
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
export PEER_BROKER="redis://127.0.0.1:$redis_port/0" PEER_BACKEND="redis://127.0.0.1:$redis_port/1"
(cd "$peers" && exec /usr/bin/python3 -m celery -A celery_tasks worker -c "$cores" --pool prefork -l warning >"$work/celery-worker.log" 2>&1) &
worker=$!
pids+=("$worker")
oneshot="import sys; sys.path.insert(0, '$peers'); from celery_tasks import noop; assert noop.delay(1).get(timeout=60) == 1"
/usr/bin/python3 -c "$oneshot"
echo "{\"system\": \"celery+redis\", \"workload\": \"one-shot\", \"median_ms\": $(median_ms "/usr/bin/python3 -c \"$oneshot\"")}" | tee -a "$work/celery.jsonl"
kill "$worker" "$redis" 2>/dev/null || true
wait "$worker" "$redis" 2>/dev/null || true
unset PEER_BROKER PEER_BACKEND

say "saturation with one slot fewer than cores (a core left for the silo / Celery's parent and Redis)"
fewer=$((cores > 1 ? cores - 1 : 1))
start_silo fewer "$fewer"
PYFI_BENCH_SYSTEM="pyfi-$fewer-slots" BENCH_C=$fewer BENCH_N=200 BENCH_M=20 dotnet bench/Pyfi.Bench/bin/Release/net10.0/Pyfi.Bench.dll calls --gateway "$PYFI_GATEWAY" | grep saturation | tee -a "$work/pyfi.jsonl"
stop_silo
BENCH_C=$fewer BENCH_N=200 BENCH_M=20 REDIS_PORT=$(free_port) bash "$peers/run-celery.sh" | grep saturation | sed "s/\"celery+redis\"/\"celery+redis-$fewer-slots\"/" | tee -a "$work/celery.jsonl"

say "memory with 8 slots on these cores: Pyfi (PYFI_CORES=8, sockets -c 8) and Celery (-c 8)"
start_silo eight 8
pyfi_calls "pyfi-8-slots" 8 "$work/pyfi.jsonl" >/dev/null
stop_silo
python3 bench/rss.py --match "celery -A celery_tasks worker" >"$work/celery8-rss.json" &
sampler=$!
PEER_NAME="celery+redis-8-slots" BENCH_C=8 REDIS_PORT=$(free_port) bash "$peers/run-celery.sh" >/dev/null
kill -TERM "$sampler"; wait "$sampler" || true
echo "{\"system\": \"celery+redis-8-slots\", \"workload\": \"memory\", $(tail -c +2 "$work/celery8-rss.json")" | tee -a "$work/celery.jsonl"

echo
python3 bench/compare.py "$work/pyfi.jsonl" "$work/celery.jsonl"
