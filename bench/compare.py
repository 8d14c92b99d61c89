"""Prints Pyfi's figures beside the peers' from the JSON lines of one run, with the ratios and the targets
of issue 3 (throughput >= 3x Celery, latency p50/p99 <= 0.5x, saturation >= 0.97, one-shot CLI <= Celery,
memory <= Celery's workers); then the same call workloads with SQLite flushing every commit, and memory
with 8 slots."""
import json
import sys


def load(path):
    rows = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                row = json.loads(line)
                rows[(row["system"], row["workload"])] = row
    return rows


rows = {}
for path in sys.argv[1:]:
    rows.update(load(path))



def system(name):
    return {w: r for (s, w), r in rows.items() if s == name}


pyfi, celery = system("pyfi"), system("celery+redis")
full, pyfi8, celery8 = system("pyfi-full-sync"), system("pyfi-8-slots"), system("celery+redis-8-slots")


def line(name, ours, theirs, better, target):
    if ours is None or theirs is None:
        print(f"| {name} | {ours} | {theirs} | - | {target} | - |")
        return
    ratio = ours / theirs if theirs else float("inf")
    met = (ratio >= better) if better > 0 else (ratio <= -better)
    print(f"| {name} | {ours:g} | {theirs:g} | {ratio:.2f}x | {target} | {'met' if met else 'MISSED'} |")


def get(table, workload, field):
    row = table.get(workload)
    return row.get(field) if row else None


print("| figure | Pyfi | Celery + Redis | Pyfi / Celery | target | |")
print("| --- | --- | --- | --- | --- | --- |")
line("throughput, calls/s (2,000 noop at once)", get(pyfi, "throughput", "calls_per_s"), get(celery, "throughput", "calls_per_s"), 3.0, ">= 3x")
line("latency p50, ms (200 sequential noop)", get(pyfi, "latency", "p50_ms"), get(celery, "latency", "p50_ms"), -0.5, "<= 0.5x")
line("latency p99, ms", get(pyfi, "latency", "p99_ms"), get(celery, "latency", "p99_ms"), -0.5, "<= 0.5x")
line("pipeline of 50 inc, ms (Celery chain)", get(pyfi, "pipeline", "ms"), get(celery, "pipeline", "ms"), -0.5, "<= 0.5x")
line("funnel of 200 noop into total, ms (Celery chord)", get(pyfi, "funnel", "ms"), get(celery, "funnel", "ms"), -0.33, "<= 0.33x")
sat_ours, sat_theirs = get(pyfi, "saturation", "efficiency"), get(celery, "saturation", "efficiency")
if sat_ours is not None and sat_theirs is not None:
    print(f"| saturation efficiency (200 x 20 ms busy) | {sat_ours:g} | {sat_theirs:g} | {sat_ours / sat_theirs:.2f}x | >= 0.97 | {'met' if sat_ours >= 0.97 else 'MISSED'} |")
line("one-shot CLI call from a fresh shell, ms (median)", get(pyfi, "one-shot", "median_ms"), get(celery, "one-shot", "median_ms"), -1.0, "<= 1x")
line("worker memory, MB (sum of per-process peak RSS)", get(pyfi, "memory", "sum_of_peaks_mb"), get(celery, "memory", "sum_of_peaks_mb"), -1.0, "<= 1x")
line("worker memory, MB (peak of the simultaneous total)", get(pyfi, "memory", "peak_total_mb"), get(celery, "memory", "peak_total_mb"), -1.0, "<= 1x")

if full:
    print("\nPyfi with PYFI_SQLITE_SYNC=Full (every commit flushed to disk before it is acknowledged):\n")
    print("| figure | Pyfi (full sync) | Celery + Redis | Pyfi / Celery | target | |")
    print("| --- | --- | --- | --- | --- | --- |")
    line("throughput, calls/s", get(full, "throughput", "calls_per_s"), get(celery, "throughput", "calls_per_s"), 3.0, ">= 3x")
    line("latency p50, ms", get(full, "latency", "p50_ms"), get(celery, "latency", "p50_ms"), -0.5, "<= 0.5x")
    line("latency p99, ms", get(full, "latency", "p99_ms"), get(celery, "latency", "p99_ms"), -0.5, "<= 0.5x")
    print(f"| saturation efficiency | {get(full, 'saturation', 'efficiency')} | {get(celery, 'saturation', 'efficiency')} | | >= 0.97 | |")

fewer = [(s, w) for (s, w) in rows if w == "saturation" and s.startswith("pyfi-") and s.endswith("-slots") and s != "pyfi-8-slots"]
for name, _ in fewer:
    slots = name[len("pyfi-"):-len("-slots")]
    ours, theirs = get(system(name), "saturation", "efficiency"), get(system(f"celery+redis-{slots}-slots"), "saturation", "efficiency")
    print(f"\nSaturation with {slots} slot(s), one core left free: Pyfi {ours}, Celery + Redis {theirs}")

if pyfi8 and celery8:
    print("\nMemory with 8 slots on the same cores (PYFI_CORES=8 / celery -c 8):\n")
    print("| figure | Pyfi | Celery + Redis | Pyfi / Celery |")
    print("| --- | --- | --- | --- |")
    for label, field in (("sum of per-process peak RSS, MB", "sum_of_peaks_mb"), ("peak of the simultaneous total, MB", "peak_total_mb")):
        ours, theirs = get(pyfi8, "memory", field), get(celery8, "memory", field)
        print(f"| {label} | {ours} | {theirs} | {ours / theirs:.2f}x |")

for name, table in (("pyfi", pyfi), ("celery+redis", celery), ("pyfi-8-slots", pyfi8), ("celery+redis-8-slots", celery8)):
    memory = table.get("memory")
    if memory:
        print(f"\n{name} processes (peak RSS, MB):")
        for p in memory["processes"]:
            print(f"  {p['peak_mb']:>7} {p['command']}")
