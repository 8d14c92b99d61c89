#!/usr/bin/env bash
# The Python client (clients/python) beside Celery's Python client on Redis, in one run on this machine, on the
# peer's noop workload: sequential calls (p50/p99 latency) and many submitted at once (calls/s), blocking and
# asyncio for Pyfi; delay().get() and submit-all-then-get for Celery (../shared/bench/peers/celery_bench.py).
# Prints JSON lines, then a table with the ratios. See bench/README.md.
#   bench/python-client.sh          (BENCH_N, BENCH_M, BENCH_A: calls, sequential calls, asyncio calls in flight)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. bench/silo.sh
pyfi=(dotnet src/Cli/bin/Release/net10.0/pyfi.dll)

say "building (Release)"
dotnet build Orleans.sln -c Release -nologo -clp:ErrorsOnly >/dev/null

say "a fresh venv with pyfi-client (pip install clients/python, no index)"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --no-index --disable-pip-version-check clients/python

say "a processor repository with the peers' functions, and a silo ($cores slots)"
bench_repo "$work/repo"
start_silo pyclient "$cores"

say "Pyfi's Python client: latency and throughput, blocking and asyncio"
(cd "$work" && "$work/venv/bin/python" "$root/bench/python_client_bench.py") | tee "$work/pyfi.jsonl"
stop_silo

say "Celery + Redis: the peer benchmark (../shared/bench/peers/run-celery.sh)"
REDIS_PORT=$(free_port) bash "$peers/run-celery.sh" | tee "$work/celery.jsonl"

echo
python3 - "$work/pyfi.jsonl" "$work/celery.jsonl" <<'PY'
import json, sys
rows = {}
for path in sys.argv[1:]:
    for line in open(path):
        if line.startswith("{"):
            row = json.loads(line)
            rows[(row["system"], row["workload"])] = row
p = lambda w, k: rows.get(("pyfi-python", w), {}).get(k)
c = lambda w, k: rows.get(("celery+redis", w), {}).get(k)
print("| figure | Pyfi Python client | Celery + Redis | Pyfi / Celery |")
print("| --- | --- | --- | --- |")
for name, ours, theirs in [
    ("latency p50, ms: socket(i) / noop.delay(i).get()", p("latency", "p50_ms"), c("latency", "p50_ms")),
    ("latency p99, ms", p("latency", "p99_ms"), c("latency", "p99_ms")),
    ("latency p50, ms: socket.delay(i).get() / noop.delay(i).get()", p("latency-delay", "p50_ms"), c("latency", "p50_ms")),
    ("latency p50, ms: await socket.call_async(i) / noop.delay(i).get()", p("async-latency", "p50_ms"), c("latency", "p50_ms")),
    ("throughput, calls/s: N delay() then get() each", p("throughput", "calls_per_s"), c("throughput", "calls_per_s")),
    ("throughput, calls/s: asyncio gather of call_async / delay() then get()", p("async-throughput", "calls_per_s"), c("throughput", "calls_per_s")),
]:
    ratio = "%.2fx" % (ours / theirs) if ours and theirs else "-"
    print("| %s | %s | %s | %s |" % (name, ours, theirs, ratio))
PY
