#!/usr/bin/env bash
# Celery + Redis as the peer benchmark sets them up (run-celery.sh: Redis with an append-only file, a prefork worker
# with one process per core, the peer's tasks), running bench/celery_chain3.py: BENCH_N three-stage chains at once.
#   PYFI_PEERS=../shared/bench/peers bench/celery-chain3.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
peers=${PYFI_PEERS:-$here/../../shared/bench/peers}
py=/usr/bin/python3
need=(python3-celery python3-redis redis-server)
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=${REDIS_PORT:-6398}
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync everysec \
  --dir "$work" --daemonize no >"$work/redis.log" 2>&1 &
pids+=($!)
export PEER_BACKEND="redis://127.0.0.1:$port/1" PEER_BROKER="redis://127.0.0.1:$port/0"
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
export PYTHONPATH="$peers${PYTHONPATH:+:$PYTHONPATH}"
(cd "$peers" && exec $py -m celery -A celery_tasks worker -c "${BENCH_C:-$(nproc)}" --pool prefork -l warning) >"$work/worker.log" 2>&1 &
pids+=($!)
$py "$here/celery_chain3.py"
