# Shared by bench/run.sh and bench/flows.sh (sourced from the repository's root): a scratch folder cleaned up
# on exit, the peers' folder, bench/common.sh, and a silo with the bench network (its processor in $work/repo).
# The sourcing script sets pyfi=(the pyfi tool's command) before start_silo.
peers=${PYFI_PEERS:-$root/../shared/bench/peers}
[ -f "$peers/celery_bench.py" ] || { echo "no peer benchmarks at $peers (set PYFI_PEERS)" >&2; exit 2; }
cores=${BENCH_C:-$(nproc)}
export BENCH_C=$cores
work=$(mktemp -d /tmp/pyfi-bench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
. bench/common.sh

# start_silo NAME SLOTS [VAR=VALUE...]: a fresh silo on its own data folder and ports, with the bench network.
start_silo() {
  local name=$1 slots=$2; shift 2
  export PYFI_GATEWAY="127.0.0.1:$(free_port)"
  env "$@" PYFI_DATA="$work/$name" PYFI_CORES="$slots" PYFI_SILO_PORT="$(free_port)" PYFI_GATEWAY_PORT="${PYFI_GATEWAY##*:}" \
    PYFI_ORLEANS_GATEWAY_PORT="$(free_port)" PYFI_DASHBOARD_PORT=0 \
    dotnet src/Silo/bin/Release/net10.0/Pyfi.Silo.dll >"$work/$name.log" 2>&1 &
  silo=$!
  pids+=("$silo")
  for _ in $(seq 600); do grep -qs "Pyfi silo ready" "$work/$name.log" && break; sleep 0.1; done
  grep -q "Pyfi silo ready" "$work/$name.log" || { cat "$work/$name.log" >&2; exit 1; }
  export PYFI_TOKEN_FILE="$work/$name/admin.token"
  "${pyfi[@]}" add queue -n bench >/dev/null
  "${pyfi[@]}" add processor -n bench -g "$work/repo" -m bench_tasks >/dev/null
  for f in noop busy inc total; do "${pyfi[@]}" add socket -n "bench.$f" -q bench -pn bench -t "$f" -c "$slots" >/dev/null; done
  # One call first, as Celery's worker is up before its benchmark: the venv is made and the module imported
  # before anything is measured (memory counts the silo and its Python workers, not the one-off venv setup).
  "${pyfi[@]}" task run -s bench.noop -d 1 >/dev/null
}

stop_silo() { kill -TERM "$silo"; wait "$silo" || true; }
