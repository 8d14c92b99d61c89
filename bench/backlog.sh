#!/usr/bin/env bash
# A backlog on the embedded SQLite default: BACKLOG_N calls (default 200,000) queued on a slow socket (one slot, each
# call busy for a minute), submitted through the .NET client BACKLOG_K at a time without waiting for their ends.
# Prints JSON lines: the submit rate; the silo's peak RSS, and its RSS before and after the backlog (two seconds
# after, settled) with the bytes that makes per queued call; the largest size of pyfi-calls.db-wal and pyfi.db-wal
# during the run (sampled every 100 ms) and the sizes after it; the database files' sizes; a call on another socket
# and `pyfi ls calls` with the backlog in place (seconds each, CLI start included); then the silo stopped (SIGTERM)
# and started again on that backlog: time to its ready line, until the socket (which reads a count and its first
# page when it activates) acknowledges one more call, and the silo's RSS then. See bench/README.md.
#   bench/backlog.sh            (BACKLOG_N calls, e.g. 1000000; BACKLOG_K in flight; PYFI_SQLITE_WAL_LIMIT passes through)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
n=${BACKLOG_N:-200000}
k=${BACKLOG_K:-64}
work=$(mktemp -d /tmp/pyfi-backlog.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
. bench/common.sh

say "building (Release)"
dotnet build Orleans.sln -c Release -nologo -clp:ErrorsOnly >/dev/null
pyfi() { dotnet src/Cli/bin/Release/net10.0/pyfi.dll "$@"; }
bench_repo "$work/repo"
data="$work/data"
export PYFI_GATEWAY="127.0.0.1:$(free_port)"
export PYFI_TOKEN_FILE="$data/admin.token"
ports="PYFI_SILO_PORT=$(free_port) PYFI_ORLEANS_GATEWAY_PORT=$(free_port)"

# start_silo LOG: the silo on $data (pid in $silo); writes the seconds to its ready line to $work/ready.
start_silo() {
  local t0=$(date +%s%N)
  env $ports PYFI_DATA="$data" PYFI_CORES=2 PYFI_GATEWAY_PORT="${PYFI_GATEWAY##*:}" PYFI_DASHBOARD_PORT=0 \
    dotnet src/Silo/bin/Release/net10.0/Pyfi.Silo.dll >"$1" 2>&1 &
  silo=$!
  pids+=("$silo")
  for _ in $(seq 3000); do grep -qs "Pyfi silo ready\|could not run" "$1" && break; sleep 0.05; done
  grep -q "Pyfi silo ready" "$1" || { cat "$1" >&2; exit 1; }
  python3 -c "print(round(($(date +%s%N) - $t0) / 1e9, 2))" >"$work/ready"
}

# The largest size of each log, sampled every 100 ms until SIGTERM; printed as JSON.
cat >"$work/walpeak.py" <<'PY'
import json, os, signal, sys, time
d = sys.argv[1]; peak = {"pyfi-calls.db-wal": 0, "pyfi.db-wal": 0}; stop = False
def on_term(*_):
    global stop; stop = True
signal.signal(signal.SIGTERM, on_term)
while not stop:
    for f in peak:
        try: peak[f] = max(peak[f], os.path.getsize(os.path.join(d, f)))
        except OSError: pass
    time.sleep(0.1)
print(json.dumps({"calls_wal_max_mb": round(peak["pyfi-calls.db-wal"] / 2**20, 1), "main_wal_max_mb": round(peak["pyfi.db-wal"] / 2**20, 1)}))
PY
mb() { python3 -c "import os,sys; p=sys.argv[1]; print(round(os.path.getsize(p)/2**20, 1) if os.path.exists(p) else 0)" "$1"; }

# Two cores: the slow socket's one slot holds one, and a call on another socket needs the other (with one core it
# would wait for the slow call to end and the core to be let go).
say "a silo on a fresh data folder, a slow socket (one slot, a minute a call)"
start_silo "$work/silo.log"
ready_empty=$(cat "$work/ready")   # the same start with no backlog: what the host's load alone costs
pyfi add queue -n backlog >/dev/null
pyfi add processor -n backlog -g "$work/repo" -m bench_tasks >/dev/null
pyfi add socket -n backlog.slow -q backlog -pn backlog -t busy -c 1 --max-queue $((n + 1000)) >/dev/null
pyfi add socket -n backlog.quick -q backlog -pn backlog -t noop -c 1 >/dev/null
pyfi task run -s backlog.quick -d 1 >/dev/null   # its processor deployed, its worker warm
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# secs CMD...: seconds CMD takes (its output dropped).
secs() { local t0=$(date +%s%N); "$@" >/dev/null; python3 -c "print(round(($(date +%s%N) - $t0) / 1e9, 2))"; }
sleep 2
rss_before=$(rss_kb "$silo")

say "submitting $n calls, $k at a time"
python3 bench/rss.py --tree "$silo" >"$work/rss.json" &
rss=$!
pids+=("$rss")
python3 "$work/walpeak.py" "$data" >"$work/wal.json" &
sampler=$!
pids+=("$sampler")
# On a loaded host the client's first connection can time out before it submits anything: it is tried again then.
for try in 1 2 3; do
  if dotnet bench/Pyfi.Bench/bin/Release/net10.0/Pyfi.Bench.dll backlog --gateway "$PYFI_GATEWAY" --calls "$n" --in-flight "$k" --args "[60000]" 2>"$work/submit.err"; then break; fi
  grep -q "cannot reach the Orleans gateways" "$work/submit.err" && [ "$try" -lt 3 ] || { cat "$work/submit.err" >&2; exit 1; }
  say "the client could not connect; trying again"
done
sleep 2  # the background checkpoint's pause (250 ms) and the state loop's tick (1 s) have passed
kill -TERM "$sampler" "$rss"; wait "$sampler" "$rss" || true
rss_after=$(rss_kb "$silo")
quick_s=$(secs pyfi task run -s backlog.quick -d 1)
ls_s=$(secs pyfi ls calls -s backlog.slow --limit 20)
echo "{\"system\": \"pyfi\", \"workload\": \"backlog-rss\", \"calls\": $n, \"silo_rss_before_mb\": $((rss_before / 1024)), \"silo_rss_after_mb\": $((rss_after / 1024)), \"bytes_per_queued_call\": $(( (rss_after - rss_before) * 1024 / n )), \"another_socket_call_s\": $quick_s, \"ls_calls_s\": $ls_s}"
echo "{\"system\": \"pyfi\", \"workload\": \"backlog-disk\", \"calls\": $n, $(tail -c +2 "$work/wal.json" | head -c -2), \"calls_wal_after_mb\": $(mb "$data/pyfi-calls.db-wal"), \"main_wal_after_mb\": $(mb "$data/pyfi.db-wal"), \"calls_db_mb\": $(mb "$data/pyfi-calls.db"), \"main_db_mb\": $(mb "$data/pyfi.db")}"
echo "{\"system\": \"pyfi\", \"workload\": \"backlog-memory\", $(tail -c +2 "$work/rss.json")"

say "stopping the silo (SIGTERM) and starting it again on the backlog"
kill -TERM "$silo"; wait "$silo" || true
start_silo "$work/silo2.log"
ready=$(cat "$work/ready")
t0=$(date +%s%N)
pyfi task run -s backlog.slow -d 1 --no-wait >/dev/null
taken=$(python3 -c "print(round(($(date +%s%N) - $t0) / 1e9, 2))")
quick_s=$(secs pyfi task run -s backlog.quick -d 1)
echo "{\"system\": \"pyfi\", \"workload\": \"backlog-restart\", \"calls\": $n, \"ready_s\": $ready, \"ready_without_backlog_s\": $ready_empty, \"socket_takes_a_call_after_s\": $taken, \"another_socket_call_s\": $quick_s, \"silo_rss_after_restart_mb\": $(( $(rss_kb "$silo") / 1024 )), \"calls_wal_after_restart_mb\": $(mb "$data/pyfi-calls.db-wal")}"
kill -TERM "$silo"; wait "$silo" || true
