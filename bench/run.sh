#!/usr/bin/env bash
# Pyfi beside Celery on Redis (the engine the original PYFI runs on), in one run on this machine:
# the peers' workloads (throughput, latency, saturation), a one-shot call from a fresh shell, and the
# resident memory of the workers. Prints JSON lines, then a table with the ratios. See bench/README.md.
#   bench/run.sh            (BENCH_N, BENCH_M, BENCH_S, BENCH_C change the sizes, as for the peers)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
peers=${PYFI_PEERS:-$root/../shared/bench/peers}
[ -f "$peers/celery_bench.py" ] || { echo "no peer benchmarks at $peers (set PYFI_PEERS)" >&2; exit 2; }
cores=${BENCH_C:-$(nproc)}
export BENCH_C=$cores
work=$(mktemp -d /tmp/pyfi-bench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
say() { echo "== $*" >&2; }

say "building (Release) and publishing the pyfi tool as a Native AOT binary"
dotnet build Orleans.sln -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet publish src/Cli -c Release -r linux-x64 -p:PublishAot=true -p:CppCompilerAndLinker=clang-14 -nologo -clp:ErrorsOnly -o "$work/cli" >/dev/null
pyfi="$work/cli/pyfi"

say "a processor repository with the peers' four functions"
mkdir -p "$work/repo" && cp bench/tasks/bench_tasks.py "$work/repo/"
git -C "$work/repo" init -q -b main && git -C "$work/repo" add -A && git -C "$work/repo" -c user.email=b@pyfi -c user.name=bench commit -qm bench

say "starting a silo (embedded SQLite, $cores cores)"
read -r silo_port gateway_port orleans_port < <(python3 -c 'import socket
ps=[socket.socket() for _ in range(3)]
[p.bind(("127.0.0.1",0)) for p in ps]
print(*[p.getsockname()[1] for p in ps])')
export PYFI_GATEWAY="127.0.0.1:$gateway_port"
PYFI_DATA="$work/data" PYFI_CORES=$cores PYFI_SILO_PORT=$silo_port PYFI_GATEWAY_PORT=$gateway_port \
  PYFI_ORLEANS_GATEWAY_PORT=$orleans_port PYFI_DASHBOARD_PORT=0 \
  dotnet src/Silo/bin/Release/net10.0/Pyfi.Silo.dll >"$work/silo.log" 2>&1 &
silo=$!
pids+=("$silo")
for _ in $(seq 600); do grep -q "Pyfi silo ready" "$work/silo.log" && break; sleep 0.1; done
grep -q "Pyfi silo ready" "$work/silo.log" || { cat "$work/silo.log" >&2; exit 1; }

"$pyfi" add queue -n bench >/dev/null
"$pyfi" add processor -n bench -g "$work/repo" -m bench_tasks >/dev/null
for f in noop busy inc total; do "$pyfi" add socket -n "bench.$f" -q bench -pn bench -t "$f" -c "$cores" >/dev/null; done

python3 bench/rss.py --tree "$silo" >"$work/pyfi-rss.json" &
sampler=$!
say "Pyfi: throughput, latency, saturation"
dotnet bench/Pyfi.Bench/bin/Release/net10.0/Pyfi.Bench.dll calls --gateway "$PYFI_GATEWAY" | tee "$work/pyfi.jsonl"
kill -TERM "$sampler"; wait "$sampler" || true
echo "{\"system\": \"pyfi\", \"workload\": \"memory\", $(tail -c +2 "$work/pyfi-rss.json")" | tee -a "$work/pyfi.jsonl"

say "Pyfi: one-shot pyfi task run from a fresh shell (median of 11)"
"$pyfi" task run -s bench.noop -d 1 >/dev/null
median=$(for _ in $(seq 11); do
  t0=$(date +%s%N); bash -c "'$pyfi' task run -s bench.noop -d 1 >/dev/null"; echo $(( ($(date +%s%N) - t0) / 1000 ))
done | sort -n | sed -n 6p)
echo "{\"system\": \"pyfi\", \"workload\": \"one-shot\", \"median_ms\": $(python3 -c "print(round($median/1000, 1))")}" | tee -a "$work/pyfi.jsonl"
kill -TERM "$silo"; wait "$silo" || true

say "Celery + Redis: the peer benchmark (../shared/bench/peers/run-celery.sh)"
python3 bench/rss.py --match "celery -A celery_tasks worker" >"$work/celery-rss.json" &
sampler=$!
bash "$peers/run-celery.sh" | tee "$work/celery.jsonl"
kill -TERM "$sampler"; wait "$sampler" || true
echo "{\"system\": \"celery+redis\", \"workload\": \"memory\", $(tail -c +2 "$work/celery-rss.json")" | tee -a "$work/celery.jsonl"

say "Celery + Redis: one-shot call from a fresh Python (median of 11), against a worker started as the peer script starts it"
redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync everysec --dir "$work" --daemonize no >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
export PEER_BROKER="redis://127.0.0.1:$redis_port/0" PEER_BACKEND="redis://127.0.0.1:$redis_port/1"
(cd "$peers" && exec /usr/bin/python3 -m celery -A celery_tasks worker -c "$cores" --pool prefork -l warning >"$work/celery-worker.log" 2>&1) &
pids+=($!)
oneshot="import sys; sys.path.insert(0, '$peers'); from celery_tasks import noop; assert noop.delay(1).get(timeout=60) == 1"
/usr/bin/python3 -c "$oneshot"
median=$(for _ in $(seq 11); do
  t0=$(date +%s%N); bash -c "/usr/bin/python3 -c \"$oneshot\""; echo $(( ($(date +%s%N) - t0) / 1000 ))
done | sort -n | sed -n 6p)
echo "{\"system\": \"celery+redis\", \"workload\": \"one-shot\", \"median_ms\": $(python3 -c "print(round($median/1000, 1))")}" | tee -a "$work/celery.jsonl"

echo
python3 bench/compare.py "$work/pyfi.jsonl" "$work/celery.jsonl"
