#!/usr/bin/env bash
# What a silo costs before it does any work: the CPU (utime + stime, /proc/PID/stat) of starting it until its ready
# line, then of its first 10 s idle and of the 20 s after, per second. Each case is started ROUNDS times, the cases in
# turn, and medians are printed; an idle silo's cost is in the tenths of a core, so only cases measured in one run
# compare. The test suite starts ~150 silos of ~20 s each, so this is also most of what a test silo costs.
#   bash bench/idle.sh [ROUNDS]                         this checkout as shipped, and as the test suite runs it
#   IDLE_TREES="/tmp/wt-old" bash bench/idle.sh         another build too (a worktree built in Release)
#   IDLE_ENV="DOTNET_TieredPGO=0" bash bench/idle.sh    one more case: this checkout with a runtime setting
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
work=$(mktemp -d /tmp/pyfi-idle.XXXXXX)
pid=""
cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
. bench/common.sh

say "building (Release)"
dotnet build Orleans.sln -c Release -nologo -clp:ErrorsOnly >/dev/null

# name|tree|settings: the shipped silo compiles each method once, fully (src/Silo's project); test silos run tiered,
# without tiering up (test/Pyfi.Tests/Infrastructure/SiloProcess.cs).
cases=("shipped|.|" "as tested|.|DOTNET_TieredCompilation=1 DOTNET_TC_CallCounting=0")
for tree in ${IDLE_TREES:-}; do cases+=("shipped $tree|$tree|"); done
[ -z "${IDLE_ENV:-}" ] || cases+=("shipped, $IDLE_ENV|.|$IDLE_ENV")

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
# One start of one case: prints "start_cpu first10_per_s next20_per_s ready_seconds".
measure() {
  local tree=$1 settings=$2 data="$work/data.$RANDOM" t0 t1 t2 clock
  mkdir -p "$data"
  local silo_port gateway_port orleans_port
  silo_port=$(free_port); gateway_port=$(free_port); orleans_port=$(free_port)
  # shellcheck disable=SC2086 # settings are words on purpose
  env PYFI_DATA="$data" PYFI_SILO_PORT="$silo_port" PYFI_GATEWAY_PORT="$gateway_port" \
    PYFI_ORLEANS_GATEWAY_PORT="$orleans_port" PYFI_DASHBOARD_PORT=0 $settings \
    dotnet "$tree/src/Silo/bin/Release/net10.0/Pyfi.Silo.dll" >"$data/out" 2>&1 &
  pid=$!
  clock=$(date +%s.%N)
  until grep -q "Pyfi silo ready" "$data/out"; do
    kill -0 "$pid" 2>/dev/null || { cat "$data/out" >&2; exit 1; }
    sleep 0.05
  done
  clock=$(python3 -c "import time; print(f'{time.time() - $clock:.2f}')")
  t0=$(ticks "$pid"); sleep 10; t1=$(ticks "$pid"); sleep 20; t2=$(ticks "$pid")
  kill -TERM "$pid"; wait "$pid" || true; pid=""
  rm -rf "$data"
  python3 -c "print(f'{$t0/$hz:.2f} {($t1-$t0)/$hz/10:.3f} {($t2-$t1)/$hz/20:.3f} $clock')"
}

declare -A results
for ((round = 1; round <= rounds; round++)); do
  for c in "${cases[@]}"; do
    IFS='|' read -r name tree settings <<<"$c"
    say "round $round: $name"
    results[$name]+="$(measure "$tree" "$settings");"
  done
done

echo
printf '%-44s %10s %14s %14s %10s\n' "silo" "start CPU" "first 10 s" "next 20 s" "ready"
for c in "${cases[@]}"; do
  IFS='|' read -r name _ _ <<<"$c"
  python3 - "$name" "${results[$name]}" <<'PY'
import statistics, sys
name, rows = sys.argv[1], [r.split() for r in sys.argv[2].split(";") if r]
col = lambda i: statistics.median(float(r[i]) for r in rows)
print(f"{name:<44} {col(0):8.2f} s {col(1):9.3f} core {col(2):9.3f} core {col(3):8.2f} s")
PY
done
