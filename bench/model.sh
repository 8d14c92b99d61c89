#!/usr/bin/env bash
# The model benchmark (issue 2): a real silo on the embedded SQLite default, then on PostgreSQL; add
# 100 queues, 100 processors and 1,000 sockets, time listing them, restart the silo, check the listings are
# identical and time them again, and time `pyfi ls sockets` from a fresh shell. Prints JSON lines.
#   bench/model.sh                 both storages (PostgreSQL: a private server, installed if missing)
#   bench/model.sh sqlite
# Sizes: MODEL_QUEUES (100), MODEL_PROCESSORS (100), MODEL_SOCKETS (1000). MODEL_TIMED=N (0: every definition is
# added one by one and timed) puts all but the last N sockets in by network applies of 100 and times only the
# last N adds, at the catalogue's full size: how a large catalogue is measured where adds are slow.
#   MODEL_PROCESSORS=1000 MODEL_SOCKETS=10000 MODEL_TIMED=200 bench/model.sh sqlite
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/private-postgres.sh
storages=${1:-sqlite postgres}
queues=${MODEL_QUEUES:-100} processors=${MODEL_PROCESSORS:-100} sockets=${MODEL_SOCKETS:-1000} timed=${MODEL_TIMED:-0}
definitions=$((queues + processors + sockets))
sizes=(--queues "$queues" --processors "$processors" --sockets "$sockets" --timed "$timed")
work=$(mktemp -d /tmp/pyfi-bench.XXXXXX)
chmod 755 "$work"
silo_pid=
cleanup() { [ -n "$silo_pid" ] && kill "$silo_pid" 2>/dev/null; private_postgres_stop "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT
dotnet build Orleans.sln -c Release -nologo -clp:ErrorsOnly >/dev/null
bin=src/Silo/bin/Release/net10.0/Pyfi.Silo.dll
bench=bench/Pyfi.Bench/bin/Release/net10.0/Pyfi.Bench.dll
cli=src/Cli/bin/Release/net10.0/pyfi.dll
# Free ports for all three (the machine is shared: another silo may hold Orleans' default gateway port).
read -r silo_port gateway_port orleans_gateway_port < <(python3 -c 'import socket
ps=[socket.socket() for _ in range(3)]
[p.bind(("127.0.0.1",0)) for p in ps]
print(*[p.getsockname()[1] for p in ps])')
export PYFI_GATEWAY="127.0.0.1:$gateway_port"

start_silo() { # sets silo_pid and ready_ms (process start to the ready line)
  local log=$work/silo.log t0
  : >"$log"
  t0=$(date +%s%N)
  PYFI_SILO_PORT=$silo_port PYFI_GATEWAY_PORT=$gateway_port PYFI_ORLEANS_GATEWAY_PORT=$orleans_gateway_port PYFI_DASHBOARD_PORT=0 dotnet "$bin" >"$log" 2>&1 &
  silo_pid=$!
  for _ in $(seq 600); do grep -q "Pyfi silo ready" "$log" && break; sleep 0.05; done
  grep -q "Pyfi silo ready" "$log" || { cat "$log" >&2; exit 1; }
  ready_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  export PYFI_TOKEN_FILE="$PYFI_DATA/admin.token"
}
stop_silo() { kill -TERM "$silo_pid"; wait "$silo_pid" || true; silo_pid=; }

for storage in $storages; do
  export PYFI_DATA="$work/data-$storage"
  if [ "$storage" = postgres ]; then
    [ -n "${PRIVATE_POSTGRES:-}" ] || private_postgres_start "$work/pg"
    psql -h 127.0.0.1 -p "$PRIVATE_POSTGRES_PORT" -U postgres -qc "CREATE DATABASE pyfi_bench" >/dev/null
    export PYFI_STORAGE=postgres PYFI_POSTGRES="${PRIVATE_POSTGRES/Database=postgres/Database=pyfi_bench}"
  else
    export PYFI_STORAGE=sqlite
  fi
  start_silo
  echo "{\"system\": \"pyfi-$storage\", \"workload\": \"silo-start-empty\", \"ms\": $ready_ms}"
  dotnet "$bench" model populate --gateway "$PYFI_GATEWAY" --snapshot "$work/snapshot.json" "${sizes[@]}" | sed "s/\"pyfi\"/\"pyfi-$storage\"/"
  stop_silo
  start_silo
  echo "{\"system\": \"pyfi-$storage\", \"workload\": \"silo-restart-$definitions-definitions\", \"ms\": $ready_ms}"
  dotnet "$bench" model verify --gateway "$PYFI_GATEWAY" --snapshot "$work/snapshot.json" "${sizes[@]}" | sed "s/\"pyfi\"/\"pyfi-$storage\"/"
  # Through the gateway, as a user lists; a listing the gateway refuses (too large an answer) is said, not timed.
  if ! dotnet "$cli" ls sockets >"$work/ls.out" 2>"$work/ls.err"; then
    echo "{\"system\": \"pyfi-$storage\", \"workload\": \"cli-ls-sockets-$sockets\", \"error\": \"$(head -c 300 "$work/ls.err" | tr '"\n' "' ")\"}"
  else
    samples=$(for _ in 1 2 3 4 5; do
      t0=$(date +%s%N); dotnet "$cli" ls sockets >/dev/null; echo $(( ($(date +%s%N) - t0) / 1000000 ))
    done | sort -n | sed -n 3p)
    echo "{\"system\": \"pyfi-$storage\", \"workload\": \"cli-ls-sockets-$sockets\", \"median_ms\": $samples, \"lines\": $(wc -l <"$work/ls.out")}"
  fi
  stop_silo
done
