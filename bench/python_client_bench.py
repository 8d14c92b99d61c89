"""The Python client's side of bench/python-client.sh: the Celery peer's noop workloads through pyfi-client, blocking
and asyncio. Prints one JSON object per workload, the peers' shape ({"system", "workload", ...figures}).

  latency        M noop calls one after another, ``socket(i)`` (task.run, answered at the end)   -> p50/p99 ms
  latency-delay  M noop calls one after another, ``socket.delay(i).get()`` (Celery's pattern)      -> p50/p99 ms
  throughput     N ``socket.delay(i)`` submitted, then every ``.get()`` (as the peer's)           -> calls/s
  async-latency  M ``await socket.call_async(i)`` one after another                                -> p50/p99 ms
  async-throughput  N ``socket.call_async(i)`` at once on one event loop (BENCH_A in flight)       -> calls/s
"""
import asyncio
import json
import os
import statistics
import time

from pyfi.client.api import Socket

N = int(os.environ.get("BENCH_N", "2000"))
M = int(os.environ.get("BENCH_M", "200"))
A = int(os.environ.get("BENCH_A", "64"))
SYSTEM = os.environ.get("PYFI_BENCH_SYSTEM", "pyfi-python")
noop = Socket(os.environ.get("BENCH_SOCKET", "bench.noop"))


def emit(workload, **figures):
    print(json.dumps({"system": SYSTEM, "workload": workload, **figures}), flush=True)


def percentiles(name, samples):
    samples.sort()
    emit(name, calls=len(samples), p50_ms=round(statistics.median(samples), 3), p99_ms=round(samples[int(0.99 * (len(samples) - 1))], 3))


def timed(run):
    samples = []
    for i in range(M):
        t = time.perf_counter()
        assert run(i) == i
        samples.append((time.perf_counter() - t) * 1000)
    return samples


async def async_main():
    samples = []
    for i in range(M):
        t = time.perf_counter()
        assert await noop.call_async(i) == i
        samples.append((time.perf_counter() - t) * 1000)
    percentiles("async-latency", samples)

    gate = asyncio.Semaphore(A)

    async def one(i):
        async with gate:
            return await noop.call_async(i)

    t = time.perf_counter()
    values = await asyncio.gather(*[one(i) for i in range(N)])
    dt = time.perf_counter() - t
    assert values == list(range(N))
    emit("async-throughput", calls=N, in_flight=A, seconds=round(dt, 3), calls_per_s=round(N / dt, 1))


def main():
    for i in range(50):  # warm: connections made, the worker's module imported
        noop(i)
    percentiles("latency", timed(noop))
    percentiles("latency-delay", timed(lambda i: noop.delay(i).get()))

    t = time.perf_counter()
    handles = [noop.delay(i) for i in range(N)]
    values = [h.get() for h in handles]
    dt = time.perf_counter() - t
    assert values == list(range(N))
    emit("throughput", calls=N, seconds=round(dt, 3), calls_per_s=round(N / dt, 1))

    asyncio.run(async_main())


if __name__ == "__main__":
    main()
