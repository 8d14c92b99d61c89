"""Celery's equivalent of bench/plugs.sh's three-stage plug chain: BENCH_N chains noop | noop | noop started at
once through the peer benchmark's tasks (celery_tasks on PYTHONPATH), waited for, as calls per second."""
import json
import os
import time

from celery import chain, group

from celery_tasks import noop

N = int(os.environ.get("BENCH_N", "2000"))


def main():
    # warm up: worker processes forked and connected
    group(noop.s(i) for i in range(50)).apply_async().get(timeout=120)
    t = time.perf_counter()
    results = [chain(noop.s(i), noop.s(), noop.s()).apply_async() for i in range(N)]
    values = [r.get(timeout=600) for r in results]
    dt = time.perf_counter() - t
    assert values == list(range(N))
    print(json.dumps({"system": "celery+redis", "workload": "chain3", "runs": N, "seconds": round(dt, 3),
                      "calls_per_s": round(3 * N / dt, 1), "runs_per_s": round(N / dt, 1)}), flush=True)


if __name__ == "__main__":
    main()
