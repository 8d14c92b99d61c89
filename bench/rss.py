"""Samples resident memory (RSS) of a set of processes every 200 ms until SIGTERM/SIGINT, then prints one JSON
object: the peak RSS of each process seen (the kernel's high-water mark, VmHWM, so a peak between two samples
counts), their sum, and the peak of the simultaneous total as sampled (all in MB). It samples gently: it runs
beside the benchmark it measures, on the same cores.

  rss.py --tree PID         a process and all its descendants (a silo and its Python workers)
  rss.py --match TEXT       every process whose command line contains TEXT (Celery's worker processes)
"""
import json
import os
import signal
import sys
import time


def command_line(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def rss_kb(pid):
    """(current RSS, peak RSS) in KB."""
    now = peak = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    now = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    peak = int(line.split()[1])
    except OSError:
        pass
    return now, max(now, peak)


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid:
                found.append(int(entry))
    return found


def tree(root):
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children(pid))
    return pids


def matching(text):
    me = os.getpid()
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me and text in command_line(int(p))]


def main():
    mode, target = sys.argv[1], sys.argv[2]
    peaks, names, peak_total = {}, {}, 0
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))
    while not stopping:
        pids = tree(int(target)) if mode == "--tree" else matching(target)
        total = 0
        for pid in pids:
            kb, peak = rss_kb(pid)
            total += kb
            if peak > peaks.get(pid, 0):
                peaks[pid] = peak
                names[pid] = command_line(pid)[:80]
        peak_total = max(peak_total, total)
        time.sleep(0.2)
    per_process = sorted(({"pid": p, "peak_mb": round(kb / 1024, 1), "command": names[p]} for p, kb in peaks.items()),
                         key=lambda x: -x["peak_mb"])
    print(json.dumps({"processes": per_process,
                      "sum_of_peaks_mb": round(sum(peaks.values()) / 1024, 1),
                      "peak_total_mb": round(peak_total / 1024, 1)}))


if __name__ == "__main__":
    main()
