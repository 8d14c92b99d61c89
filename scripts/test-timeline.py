#!/usr/bin/env python3
"""Explains a test run's wall time from its .trx results (PYFI_TEST_RESULTS=DIR ./test.sh keeps them).

Prints, for each .trx file (one per tier): its span, how many tests were running at each second (20 a line), and
the test classes with the longest span (first start to last end), with the sum of their tests' durations. A stretch
where one test runs alone is a core left idle; a long class that starts late makes the run's tail.

Usage: python3 scripts/test-timeline.py DIR [CLASSES]
"""
import collections
import datetime
import glob
import re
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def when(text):
    # .trx times carry 7 fractional digits; Python reads 6.
    return datetime.datetime.fromisoformat(re.sub(r"(\.\d{6})\d*", r"\1", text))


def report(path, classes):
    results = [(when(r.get("startTime")), when(r.get("endTime")), r.get("testName"))
               for r in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", NS)]
    if not results:
        return
    first = min(start for start, _, _ in results)
    last = max(end for _, end, _ in results)
    seconds = int((last - first).total_seconds()) + 1
    print(f"{path}: {len(results)} tests in {(last - first).total_seconds():.0f} s")
    running = [0] * seconds
    for start, end, _ in results:
        for second in range(int((start - first).total_seconds()), int((end - first).total_seconds()) + 1):
            running[second] += 1
    print("tests running, each second (20 a line):")
    for line in range(0, seconds, 20):
        print(f"{line:5d} s  {' '.join(f'{n:2d}' for n in running[line:line + 20])}")
    spans = collections.defaultdict(lambda: [None, None, 0.0, 0])
    for start, end, name in results:
        span = spans[".".join(name.split("(")[0].split(".")[:-1])]
        span[0] = start if span[0] is None else min(span[0], start)
        span[1] = end if span[1] is None else max(span[1], end)
        span[2] += (end - start).total_seconds()
        span[3] += 1
    print(f"the {classes} longest classes: from s, to s, span s, sum of tests s, tests, class")
    for name, (start, end, total, count) in sorted(spans.items(), key=lambda kv: kv[1][0] - kv[1][1])[:classes]:
        print(f"{(start - first).total_seconds():5.0f} {(end - first).total_seconds():5.0f} "
              f"{(end - start).total_seconds():6.1f} {total:7.1f} {count:4d}  {name}")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    classes = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    paths = sorted(glob.glob(f"{sys.argv[1]}/*.trx"))
    if not paths:
        sys.exit(f"no .trx files in {sys.argv[1]}")
    for path in paths:
        report(path, classes)


if __name__ == "__main__":
    main()
