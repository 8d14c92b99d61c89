"""Prints Pyfi's figures beside the peers' from the JSON lines of one run, with the ratios and the targets
of issue 3 (throughput >= 3x Celery, latency p50/p99 <= 0.5x, saturation >= 0.97, one-shot CLI <= Celery,
memory <= Celery's workers)."""
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

pyfi = {w: r for (s, w), r in rows.items() if s == "pyfi"}
celery = {w: r for (s, w), r in rows.items() if s == "celery+redis"}


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
sat_ours, sat_theirs = get(pyfi, "saturation", "efficiency"), get(celery, "saturation", "efficiency")
if sat_ours is not None and sat_theirs is not None:
    print(f"| saturation efficiency (200 x 20 ms busy) | {sat_ours:g} | {sat_theirs:g} | {sat_ours / sat_theirs:.2f}x | >= 0.97 | {'met' if sat_ours >= 0.97 else 'MISSED'} |")
line("one-shot CLI call from a fresh shell, ms (median)", get(pyfi, "one-shot", "median_ms"), get(celery, "one-shot", "median_ms"), -1.0, "<= 1x")
line("worker memory, MB (sum of per-process peak RSS)", get(pyfi, "memory", "sum_of_peaks_mb"), get(celery, "memory", "sum_of_peaks_mb"), -1.0, "<= 1x")
line("worker memory, MB (peak of the simultaneous total)", get(pyfi, "memory", "peak_total_mb"), get(celery, "memory", "peak_total_mb"), -1.0, "<= 1x")
for system, table in (("pyfi", pyfi), ("celery+redis", celery)):
    memory = table.get("memory")
    if memory:
        print(f"\n{system} processes (peak RSS, MB):")
        for p in memory["processes"]:
            print(f"  {p['peak_mb']:>7} {p['command']}")
