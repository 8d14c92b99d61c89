#!/usr/bin/env bash
# Past one machine, by arithmetic (issue 17): times the slot ledger's rules at 1, 10, 100 and 1,000 silos of 16 cores
# (`Pyfi.Bench ledger`, in process: the one activation every placement and every worker's confirmation goes through),
# prints Orleans' membership defaults, then feeds those and the per-call costs of a bench/cluster.sh run to
# bench/scale_model.py, which prints what 10 and 100 hosts of 16 cores would do and what runs out first.
#   bash bench/scale.sh [CLUSTER.jsonl]   (CLUSTER.jsonl: the JSON lines of a bench/cluster.sh run; without it, the
#                                          costs bench/README.md quotes)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
work=$(mktemp -d /tmp/pyfi-scale.XXXXXX)
trap 'rm -rf "$work"' EXIT

say "building (Release)"
dotnet build bench/Pyfi.Bench -c Release -nologo -clp:ErrorsOnly >/dev/null
say "the slot ledger at 1, 10, 100 and 1,000 silos"
DOTNET_TieredCompilation=0 dotnet bench/Pyfi.Bench/bin/Release/net10.0/Pyfi.Bench.dll ledger --silos 1,10,100,1000 --cores 16 | tee "$work/ledger.jsonl"
say "the model"
python3 bench/scale_model.py --ledger "$work/ledger.jsonl" ${1:+--cluster "$1"}
