#!/usr/bin/env bash
# A noop on each processor runtime, side by side on one silo: python (bench_tasks.noop), node (an export) and bash (a
# script, one process per call). Prints JSON lines, then a table with each runtime's ratio to python. See bench/README.md.
#   bench/runtimes.sh        (BENCH_N calls at once, default 1000; BENCH_M one after another, default 200; BENCH_C slots)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
cores=${BENCH_C:-$(nproc)}
work=$(mktemp -d /tmp/pyfi-bench-runtimes.XXXXXX)
silo=""
cleanup() { [ -n "$silo" ] && kill -TERM "$silo" 2>/dev/null && wait "$silo" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

say "building (Release)"
dotnet build Orleans.sln -c Release -nologo -clp:ErrorsOnly >/dev/null
pyfi=(dotnet src/Cli/bin/Release/net10.0/pyfi.dll)

say "a processor repository with a noop in python, node and bash"
bench_repo "$work/repo"
printf 'exports.noop = (x) => x;\n' >"$work/repo/noop.js"
mkdir -p "$work/repo/bin" && printf '#!/bin/bash\necho "$1"\n' >"$work/repo/bin/noop.sh" && chmod +x "$work/repo/bin/noop.sh"
git -C "$work/repo" add -A && git -C "$work/repo" -c user.email=b@pyfi -c user.name=bench commit -qm runtimes

say "a silo with $cores slots"
export PYFI_GATEWAY="127.0.0.1:$(free_port)"
PYFI_DATA="$work/data" PYFI_CORES="$cores" PYFI_SILO_PORT="$(free_port)" PYFI_GATEWAY_PORT="${PYFI_GATEWAY##*:}" \
  PYFI_ORLEANS_GATEWAY_PORT="$(free_port)" PYFI_DASHBOARD_PORT=0 \
  dotnet src/Silo/bin/Release/net10.0/Pyfi.Silo.dll >"$work/silo.log" 2>&1 &
silo=$!
for _ in $(seq 600); do grep -qs "Pyfi silo ready" "$work/silo.log" && break; sleep 0.1; done
grep -q "Pyfi silo ready" "$work/silo.log" || { cat "$work/silo.log" >&2; exit 1; }
export PYFI_TOKEN_FILE="$work/data/admin.token"
"${pyfi[@]}" add queue -n bench >/dev/null
"${pyfi[@]}" add processor -n bench -g "$work/repo" -m bench_tasks >/dev/null
"${pyfi[@]}" add processor -n bench-node -g "$work/repo" -m noop.js --runtime node >/dev/null
"${pyfi[@]}" add processor -n bench-bash -g "$work/repo" -m bin/ --runtime bash >/dev/null
"${pyfi[@]}" add socket -n bench.noop -q bench -pn bench -t noop -c "$cores" >/dev/null
"${pyfi[@]}" add socket -n bench.node-noop -q bench -pn bench-node -t noop -c "$cores" >/dev/null
"${pyfi[@]}" add socket -n bench.bash-noop -q bench -pn bench-bash -t noop.sh -c "$cores" >/dev/null
# One call each first: environments made and modules loaded before anything is measured.
for s in bench.noop bench.node-noop bench.bash-noop; do "${pyfi[@]}" task run -s "$s" -d 1 >/dev/null; done

say "noops: $(nproc) cores, $cores slots"
dotnet bench/Pyfi.Bench/bin/Release/net10.0/Pyfi.Bench.dll runtimes --gateway "$PYFI_GATEWAY" | tee "$work/runtimes.jsonl"
python3 - "$work/runtimes.jsonl" <<'PY'
import json, sys
rows = {r["workload"]: r for r in map(json.loads, open(sys.argv[1]))}
print(f"\n| runtime | calls/s | p50 ms | calls/s vs python | p50 vs python |\n| --- | --- | --- | --- | --- |")
for runtime in ("python", "node", "bash"):
    r, v = rows[f"{runtime}-noop"], rows.get(f"{runtime}-vs-python", {"calls_per_s_ratio": 1, "p50_ratio": 1})
    print(f"| {runtime} | {r['calls_per_s']} | {r['p50_ms']} | {v['calls_per_s_ratio']}x | {v['p50_ratio']}x |")
PY
