"""The functions Pyfi's benchmark calls: the same four the Celery peer benchmark calls (../shared/bench/peers),
and spin, for bench/cluster.sh."""
import time


def noop(x):
    return x


def inc(x):
    return x + 1


def total(xs):
    return sum(xs)


def pair(a, b):
    """A join's target in bench/plugs.sh: its two positions' values."""
    return [a, b]


def busy(ms):
    end = time.perf_counter() + ms / 1000.0
    n = 0
    while time.perf_counter() < end:
        n += 1
    return ms


def spin(steps):
    """A fixed amount of CPU work (500,000 steps: ~20 ms on the bench machine); returns the CPU ms it took.
    busy(ms) stops after ms of wall-clock time, so with more slots than cores it does less work per call
    and looks faster; spin does the same work however many share the cores."""
    start = time.thread_time()
    x = 0
    for i in range(steps):
        x += i * i
    return round((time.thread_time() - start) * 1000.0, 3)
