#!/usr/bin/env bash
# The silo's own CPU per noop call, and throughput, of one or more builds side by side: a silo of each (Release,
# embedded SQLite, 2 slots), warmed up, then rounds that go through the builds in turn, each round N noop calls at
# once through that build's .NET client (the throughput workload of bench/run.sh). CPU is read from /proc: the silo
# process alone (utime + stime), and its worker processes apart. Alternating rounds on long-lived silos is what
# makes two builds comparable on a shared, noisy host; compare medians of one run, not runs made at other times.
#   bash bench/cpu.sh [N] [ROUNDS]              this checkout (default 4000 calls, 5 rounds)
#   CPU_TREES="DIR1 DIR2" bash bench/cpu.sh     other builds too: worktrees built in Release (e.g. an older commit)
#   CPU_TREES=. CPU_ENV_1="DOTNET_X=1" bash bench/cpu.sh   the same build with a runtime setting: CPU_ENV_<i> is given
#                                                         to the silo of the i-th build (0 is this checkout)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-4000}
rounds=${2:-5}
work=$(mktemp -d /tmp/pyfi-cpu.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
. bench/common.sh

say "building (Release)"
dotnet build Orleans.sln -c Release -nologo -clp:ErrorsOnly >/dev/null
trees=(. ${CPU_TREES:-})
bench_repo "$work/repo"

# The CPU seconds (utime + stime, from /proc/PID/stat) of a process, and of the processes under it alive now.
cpu_of() { python3 - "$1" <<'PY'
import os, sys
tick = os.sysconf("SC_CLK_TCK")
def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick
silo = int(sys.argv[1])
parents = {}
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            parents[int(p)] = int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            pass
def under(pid):
    while pid in parents and pid > 1:
        pid = parents[pid]
        if pid == silo: return True
    return False
children = 0.0
for p in parents:
    if p != silo and under(p):
        try:
            children += cpu(p)
        except (OSError, IndexError, ValueError):
            pass
print(f"{cpu(silo):.3f} {children:.3f}")
PY
}

gateways=()
labels=()
for i in "${!trees[@]}"; do
  tree=${trees[$i]}
  gateway="127.0.0.1:$(free_port)"
  settings="CPU_ENV_$i"
  env ${!settings:-} PYFI_DATA="$work/data$i" PYFI_CORES=2 PYFI_SILO_PORT="$(free_port)" PYFI_GATEWAY_PORT="${gateway##*:}" \
    PYFI_ORLEANS_GATEWAY_PORT="$(free_port)" PYFI_DASHBOARD_PORT=0 \
    dotnet "$tree/src/Silo/bin/Release/net10.0/Pyfi.Silo.dll" >"$work/silo$i.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 600); do grep -qs "Pyfi silo ready" "$work/silo$i.log" && break; sleep 0.1; done
  PYFI_GATEWAY=$gateway PYFI_TOKEN_FILE="$work/data$i/admin.token" bench_network "$tree"
  gateways+=("$gateway")
  labels+=("$tree${!settings:+ (${!settings})}")
done

calls() { PYFI_TOKEN_FILE="$work/data$1/admin.token" BENCH_N=$2 BENCH_M=$3 BENCH_K=2 BENCH_F=2 BENCH_S=2 BENCH_C=2 dotnet "${trees[$1]}/bench/Pyfi.Bench/bin/Release/net10.0/Pyfi.Bench.dll" calls --gateway "${gateways[$1]}"; }
for i in "${!trees[@]}"; do say "warming up ${trees[$i]} (4,000 calls)"; calls "$i" 4000 1 >/dev/null; done

# Besides the N calls at once, the workload makes 50 warm-up calls, M sequential ones (latency), a pipeline of 2, a
# funnel of 2 and 2 busy calls.
m=${CPU_LATENCY_CALLS:-200}
made=$(( n + 57 + m ))
for r in $(seq "$rounds"); do
  for i in "${!trees[@]}"; do
    read -r silo0 kids0 < <(cpu_of "${pids[$i]}")
    read -r rate p50 p99 < <(calls "$i" "$n" "$m" | python3 -c 'import json,sys
rows = {r["workload"]: r for r in map(json.loads, (l for l in sys.stdin if l.startswith("{")))}
print(rows["throughput"]["calls_per_s"], rows["latency"]["p50_ms"], rows["latency"]["p99_ms"])')
    read -r silo1 kids1 < <(cpu_of "${pids[$i]}")
    python3 -c 'import json,sys; t,r,rate,p50,p99,s0,s1,k0,k1,m=sys.argv[1:]; print(json.dumps({"system":"pyfi","workload":"silo-cpu","tree":t,"round":int(r),"calls":int(m),"calls_per_s":float(rate),"p50_ms":float(p50),"p99_ms":float(p99),"silo_cpu_ms_per_call":round((float(s1)-float(s0))*1000/int(m),4),"workers_cpu_ms_per_call":round((float(k1)-float(k0))*1000/int(m),4)}))' \
      "${labels[$i]}" "$r" "$rate" "$p50" "$p99" "$silo0" "$silo1" "$kids0" "$kids1" "$made" | tee -a "$work/rounds.jsonl"
  done
done

python3 - "$work/rounds.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for tree in dict.fromkeys(r["tree"] for r in rows):
    mine = [r for r in rows if r["tree"] == tree]
    med = lambda k: statistics.median(r[k] for r in mine)
    print(json.dumps({"system": "pyfi", "workload": "silo-cpu-median", "tree": tree, "rounds": len(mine),
                      "calls_per_s": med("calls_per_s"), "p50_ms": med("p50_ms"), "p99_ms": med("p99_ms"), "silo_cpu_ms_per_call": med("silo_cpu_ms_per_call"),
                      "workers_cpu_ms_per_call": med("workers_cpu_ms_per_call")}))
PY
