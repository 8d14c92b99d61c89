#!/usr/bin/env bash
# Calls on 1, 2 and 3 silos on this machine (deploy/local-cluster.sh: one private PostgreSQL on 127.0.0.1, a fresh
# database per cluster), with one silo on the embedded SQLite as the reference. In rounds: throughput of 2,000 noop
# calls at once, entering through one silo and through every silo; and 400 spin calls at once (a fixed ~20 ms of
# CPU each) on as many slots as the cluster offers, each silo offering 2 cores (PYFI_CORES=2: 3 silos offer 6 slots
# on 2 real cores) and then 1. Counts the CPU time per call of each silo, its Python workers, PostgreSQL, the client
# and the whole machine, the silos' resident memory, and checks that every call is stored once as succeeded. Each
# workload waits (at most 10 s) for the machine to be quiet first; what other processes used meanwhile is printed
# ("not ours"). Prints JSON lines, then the medians as tables. See bench/README.md ("Scaling with silos").
# Then the throughput again with the noop socket partitioned (--partitions: one per silo, at least 2), the partitions
# spread over the silos, each with its own writer.
#   bash bench/cluster.sh [ROUNDS]     (default 3; ~9 minutes. BENCH_SILOS="1 2 3", BENCH_CORES="2 1" (the first
#                                       also for throughput, memory and SQLite), BENCH_N=2000, BENCH_S=400,
#                                       BENCH_SPIN=500000, BENCH_PARTITIONED=1 (0: not partitioned) change what runs)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
silo_counts=${BENCH_SILOS:-1 2 3}
per_silo_cores=${BENCH_CORES:-2 1}
main_cores=${per_silo_cores%% *}
noop=${BENCH_N:-2000}
partitioned=${BENCH_PARTITIONED:-1}
spin=${BENCH_S:-400}
steps=${BENCH_SPIN:-500000}
cores=$(nproc)
warm=200      # noop calls each entry client makes to warm up (ClusterBench.Warm)

. bench/common.sh
fail() { echo "bench/cluster.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "must run as root (the private PostgreSQL runs as user postgres, through runuser)"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || fail "ROUNDS must be a positive number, not '$rounds'"

. scripts/private-postgres.sh
work=$(mktemp -d /tmp/pyfi-cluster-bench.XXXXXX)
chmod 755 "$work"
cluster=""      # the folder of the silos running now, if any
samplers=()
cleanup() {
  local status=$?
  for p in "${samplers[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  if [ -n "$cluster" ]; then
    if [ "$status" -ne 0 ]; then
      for log in "$cluster"/silo-*.log; do [ -f "$log" ] && { echo "-- last lines of $log" >&2; tail -n 15 "$log" >&2; }; done
    fi
    bash deploy/local-cluster.sh stop "$cluster" >/dev/null 2>&1 || true
  fi
  private_postgres_stop "$work/pg"
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "building (Release)"
dotnet build Orleans.sln -c Release -nologo -clp:ErrorsOnly >/dev/null || fail "the build failed (dotnet build Orleans.sln -c Release)"
pyfi=(dotnet src/Cli/bin/Release/net10.0/pyfi.dll)
# The client compiles its code fully at first use, as the silo does (tiered compilation off), so no background
# recompilation takes CPU from the two cores during the measured rounds.
bench=(env DOTNET_TieredCompilation=0 dotnet bench/Pyfi.Bench/bin/Release/net10.0/Pyfi.Bench.dll)

say "a processor repository with the bench functions; a private PostgreSQL"
bench_repo "$work/repo"
private_postgres_start "$work/pg" || fail "could not start a private PostgreSQL (see above)"
postmaster=$(head -n 1 "$work/pg/data/postmaster.pid")
psql_admin() { psql -h 127.0.0.1 -p "$PRIVATE_POSTGRES_PORT" -U postgres -qAtX -v ON_ERROR_STOP=1 "$@"; }
out="$work/cluster.jsonl"
: >"$out"

# start_sqlite_silo DIR: one silo on the embedded default (SQLite, no cluster), written to DIR/silos.tsv as
# local-cluster.sh writes its silos, so the same code measures and stops it.
start_sqlite_silo() {
  local dir=$1 gateway silo_port
  gateway=$(free_port); silo_port=$(free_port)
  mkdir -p "$dir/silo-1"
  PYFI_DATA="$dir/silo-1" PYFI_CORES=$main_cores PYFI_SILO_PORT="$silo_port" PYFI_GATEWAY_PORT="$gateway" \
    PYFI_ORLEANS_GATEWAY_PORT="$(free_port)" PYFI_DASHBOARD_PORT=0 \
    setsid dotnet src/Silo/bin/Release/net10.0/Pyfi.Silo.dll >"$dir/silo-1.log" 2>&1 </dev/null &
  printf '1\t%s\t127.0.0.1:%s\t%s\t%s\n' "$!" "$gateway" "$silo_port" "$dir/silo-1" >"$dir/silos.tsv"
  for _ in $(seq 600); do grep -qs "Pyfi silo ready" "$dir/silo-1.log" && return 0; sleep 0.1; done
  fail "the SQLite silo was not ready within 60 s"
}

# measure SYSTEM SILOS CORES [PARTITIONS]: the workloads on the silos in $cluster (silos.tsv), each offering CORES;
# with PARTITIONS (more than 1) the sockets are partitioned and only the throughput runs.
measure() {
  local system=$1 count=$2 each=$3 slots=$(($2 * $3)) partitions=${4:-1}
  local n=$noop s=$spin
  [ "$each" -eq "$main_cores" ] || n=0     # throughput once per cluster size
  [ "$partitions" -eq 1 ] || s=0
  local entries=() pids=() ports=() i pid gateway silo_port orleans
  while IFS=$'\t' read -r i pid gateway silo_port _; do
    orleans=$(sed -n 's/.*Pyfi silo ready.*(Orleans gateway \([0-9]*\)).*/\1/p' "$cluster/silo-$i.log" | head -n 1)
    [ -n "$orleans" ] || fail "silo $i's ready line names no Orleans gateway ($cluster/silo-$i.log)"
    entries+=("127.0.0.1:$orleans"); pids+=("silo-$i=$pid"); ports+=("\"$silo_port\": \"silo-$i\"")
  done <"$cluster/silos.tsv"
  [ "$system" != pyfi-sqlite ] && pids+=("postgres=$postmaster")
  local first
  first=$(head -n 1 "$cluster/silos.tsv" | cut -f 3)
  echo "{\"system\": \"$system\", \"workload\": \"silos\", \"silos\": $count, \"slots\": $slots, \"ports\": {$(IFS=,; echo "${ports[*]}")}}" >>"$out"

  export PYFI_GATEWAY=$first
  # The silo that made the network's first admin token (local-cluster.sh links it as DIR/admin.token).
  if [ -e "$cluster/admin.token" ]; then export PYFI_TOKEN_FILE="$cluster/admin.token"; else export PYFI_TOKEN_FILE="$cluster/silo-1/admin.token"; fi
  "${pyfi[@]}" add queue -n bench >/dev/null
  "${pyfi[@]}" add processor -n bench -g "$work/repo" -m bench_tasks >/dev/null
  "${pyfi[@]}" add socket -n bench.noop -q bench -pn bench -t noop -c "$slots" --partitions "$partitions" >/dev/null
  "${pyfi[@]}" add socket -n bench.spin -q bench -pn bench -t spin -c "$slots" >/dev/null
  "${pyfi[@]}" task run -s bench.noop -d 1 >/dev/null || fail "the first call on $count silo(s) failed"

  samplers=()
  while IFS=$'\t' read -r i pid _ _ _; do
    python3 bench/rss.py --tree "$pid" >"$cluster/rss-$i.json" &
    samplers+=($!)
  done <"$cluster/silos.tsv"

  PYFI_BENCH_SYSTEM=$system BENCH_N=$n BENCH_S=$s BENCH_SPIN=$steps BENCH_C=$cores BENCH_SLOTS=$slots \
    BENCH_CPU_PIDS="$(IFS=,; echo "${pids[*]}")" \
    "${bench[@]}" cluster --gateway "$first" --entries "$(IFS=,; echo "${entries[*]}")" --rounds "$rounds" | tee -a "$out" \
    || fail "the workloads failed on $count silo(s) (PYFI_CORES=$each)"

  for p in "${samplers[@]}"; do kill -TERM "$p"; wait "$p" || true; done
  samplers=()
  while IFS=$'\t' read -r i _ _ _ _; do
    echo "{\"system\": \"$system\", \"workload\": \"memory\", \"silos\": $count, \"slots\": $slots, \"silo\": $i, $(tail -c +2 "$cluster/rss-$i.json")" >>"$out"
  done <"$cluster/silos.tsv"

  # Nothing lost: every call accepted is stored, once, as succeeded. Calls made: the first one, the warm-up's noop
  # per entry client and (with spin) 4 per slot and 11 alone; then per round the measured ones.
  local expected=$((1 + warm * count + rounds * s)) entries_used=$((count > 1 ? 2 : 1)) states
  [ "$s" -gt 0 ] && expected=$((expected + 4 * slots + 11))
  [ "$n" -gt 0 ] && expected=$((expected + rounds * n * entries_used))
  if [ "$system" != pyfi-sqlite ]; then
    states=$(psql_admin -d "$database" -c "SELECT coalesce(json_object_agg(State, n), '{}') FROM (SELECT State, count(*) AS n FROM PyfiCalls GROUP BY State) s")
  else
    states=$(python3 -c "import json, sqlite3, sys; print(json.dumps(dict(sqlite3.connect(sys.argv[1]).execute('SELECT State, count(*) FROM PyfiCalls GROUP BY State').fetchall())))" "$cluster/silo-1/pyfi-calls.db")
  fi
  echo "{\"system\": \"$system\", \"workload\": \"stored\", \"silos\": $count, \"slots\": $slots, \"expected\": $expected, \"states\": $states}" | tee -a "$out"

  bash deploy/local-cluster.sh stop "$cluster" >/dev/null
  cluster=""
}

# start_cluster DATABASE SILOS CORES: SILOS silos on a fresh PostgreSQL database DATABASE, each offering CORES; sets
# $database and $cluster (the folder measure reads and stops).
start_cluster() {
  database=$1
  cluster="$work/$1"
  psql_admin -d postgres -c "CREATE DATABASE $database" || fail "could not create database $database"
  PYFI_POSTGRES="Host=127.0.0.1;Port=$PRIVATE_POSTGRES_PORT;Username=postgres;Database=$database" PYFI_CORES=$3 \
    bash deploy/local-cluster.sh start "$2" "$cluster" >&2 || fail "the cluster of $2 did not start"
}

say "reference: 1 silo on the embedded SQLite (no cluster), PYFI_CORES=$main_cores"
cluster="$work/sqlite"
start_sqlite_silo "$cluster"
measure pyfi-sqlite 1 "$main_cores"

for each in $per_silo_cores; do
  for count in $silo_counts; do
    say "$count silo(s) on PostgreSQL, PYFI_CORES=$each each: $((count * each)) slots on $cores real cores"
    start_cluster "bench_n${count}_c$each" "$count" "$each"
    measure pyfi-cluster "$count" "$each"
  done
done

if [ "$partitioned" = 1 ]; then
  for count in $silo_counts; do
    parts=$((count > 1 ? count : 2))
    say "$count silo(s) on PostgreSQL, PYFI_CORES=$main_cores each, the noop socket in $parts partitions"
    start_cluster "bench_p${count}" "$count" "$main_cores"
    measure pyfi-partitioned "$count" "$main_cores" "$parts"
  done
fi

echo
python3 - "$out" "$cores" "$main_cores" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
cores, main_cores = int(sys.argv[2]), int(sys.argv[3])
med = statistics.median

def of(workload, **match):
    return [r for r in rows if r["workload"] == workload and all(r.get(k) == v for k, v in match.items())]

def each_round(figures, field):
    return ", ".join(f"{r[field]:g}" for r in figures)

def names(system, silos, slots):
    return next(r["ports"] for r in of("silos", system=system, silos=silos, slots=slots))

def cpu_split(figures, system, silos, slots):
    """Median CPU ms per call of: the silo holding the socket, the other silos (together), all Python workers,
    PostgreSQL (all its processes), the client, all of those, and the machine's other processes (not ours: noise)."""
    silo_of = names(system, silos, slots)
    out = {k: [] for k in ("socket's silo", "other silos", "Python", "PostgreSQL", "client", "all ours", "not ours")}
    for r in figures:
        owner = silo_of.get(max(r["socket_on"], key=r["socket_on"].get), "?")
        cpu = r["cpu_ms_per_call"]
        silos_ = [k for k in cpu if k.startswith("silo-") and not k.endswith("+")]
        ours = sum(v for k, v in cpu.items() if k != "machine")
        out["socket's silo"].append(cpu.get(owner, 0))
        out["other silos"].append(sum(cpu[k] for k in silos_ if k != owner))
        out["Python"].append(sum(cpu[k + "+"] for k in silos_))
        out["PostgreSQL"].append(cpu.get("postgres", 0) + cpu.get("postgres+", 0))
        out["client"].append(cpu.get("client", 0))
        out["all ours"].append(ours)
        out["not ours"].append(max(0.0, cpu.get("machine", ours) - ours))
    return " / ".join(f"{med(v):.2f}" for v in out.values())

def spread(figures, system, silos, slots):
    silo_of = names(system, silos, slots)
    total = {}
    for r in figures:
        for port, count in r["ran_on"].items():
            total[silo_of.get(port, port)] = total.get(silo_of.get(port, port), 0) + count
    calls = sum(total.values())
    socket = {silo_of.get(max(r["socket_on"], key=r["socket_on"].get), "?") for r in figures}
    return " / ".join(f"{100 * total[k] / calls:.0f}%" for k in sorted(total)) + f" (socket on {', '.join(sorted(socket))})"

configs = [("pyfi-sqlite", 1, "1, SQLite")] + [("pyfi-cluster", n, str(n)) for n in sorted({r["silos"] for r in of("silos", system="pyfi-cluster")})] \
    + [("pyfi-partitioned", n, f"{n}, {max(n, 2)} partitions") for n in sorted({r["silos"] for r in of("silos", system="pyfi-partitioned")})]

print(f"Throughput: noop calls at once, PYFI_CORES={main_cores} per silo, median of the rounds (each round); {cores} real cores")
print("| silos | slots | one entry, calls/s | every entry, calls/s | vs 1 silo on PostgreSQL | calls run per silo | CPU ms per call: socket's silo / other silos / Python / PostgreSQL / client / all ours / not ours |")
print("| --- | --- | --- | --- | --- | --- | --- |")
base = None
for system, silos, label in configs:
    one = of("throughput", system=system, silos=silos, entry="one")
    if not one:
        continue
    every = of("throughput", system=system, silos=silos, entry="every")
    slots = one[0]["slots"]
    a = med(r["calls_per_s"] for r in one)
    b = med(r["calls_per_s"] for r in every) if every else None
    if system == "pyfi-cluster" and silos == 1:
        base = a
    ratio = f"{a / base:.2f}x / {b / base:.2f}x" if base and b else (f"{a / base:.2f}x" if base else "-")
    print(f"| {label} | {slots} | {a:g} ({each_round(one, 'calls_per_s')}) | "
          + (f"{b:g} ({each_round(every, 'calls_per_s')})" if every else "(one silo)") + f" | {ratio} | "
          f"{spread(one + every, system, silos, slots)} | {cpu_split(one + every, system, silos, slots)} |")

print()
print(f"CPU-bound: spin calls at once; efficiency = CPU time the calls report / ({cores} real cores x wall time); median of the rounds (each round)")
print("| silos | cores per silo | slots | seconds | vs 1 silo, same cores per silo | efficiency | CPU ms per spin: alone / under load | calls run per silo | CPU ms per call: socket's silo / other silos / Python / PostgreSQL / client / all ours / not ours |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for each in sorted({r["slots"] // r["silos"] for r in of("spin")}, reverse=True):
    base = None
    for system, silos, label in configs:
        figures = of("spin", system=system, silos=silos, slots=silos * each)
        if not figures:
            continue
        seconds = med(r["seconds"] for r in figures)
        if system == "pyfi-cluster" and silos == 1:
            base = seconds
        print(f"| {label} | {each} | {silos * each} | {seconds:g} | {f'{seconds / base:.2f}x' if base else '-'} | "
              f"{med(r['efficiency'] for r in figures):g} ({each_round(figures, 'efficiency')}) | "
              f"{med(r['cpu_ms_alone'] for r in figures):g} / {med(r['cpu_ms_loaded'] for r in figures):g} | "
              f"{spread(figures, system, silos, silos * each)} | {cpu_split(figures, system, silos, silos * each)} |")

print()
print(f"Memory: peak RSS, MB, PYFI_CORES={main_cores} (over the whole run on those silos)")
print("| silos | each silo process | each silo with its Python workers | sum |")
print("| --- | --- | --- | --- |")
for system, silos, label in configs:
    figures = [r for r in of("memory", system=system, silos=silos) if r["slots"] == main_cores * silos]
    if not figures:
        continue
    own = [max((p["peak_mb"] for p in r["processes"] if "Pyfi.Silo" in p["command"]), default=0) for r in figures]
    print(f"| {label} | {' / '.join(f'{x:g}' for x in own)} | {' / '.join(str(r['peak_total_mb']) for r in figures)} | "
          f"{sum(r['peak_total_mb'] for r in figures):.1f} |")

print()
bad = [r for r in of("stored") if r["states"] != {"Succeeded": r["expected"]}]
for r in of("stored"):
    print(f"stored, {r['system']}, {r['silos']} silo(s), {r['slots']} slots: expected {r['expected']} succeeded, found {r['states']}")
print("every call stored once, as succeeded" if not bad else f"MISMATCH in {len(bad)} run(s)")
sys.exit(1 if bad else 0)
PY
