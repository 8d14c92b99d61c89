"""The functions Pyfi's benchmark calls: the same four the Celery peer benchmark calls (../shared/bench/peers)."""
import time


def noop(x):
    return x


def inc(x):
    return x + 1


def total(xs):
    return sum(xs)


def busy(ms):
    end = time.perf_counter() + ms / 1000.0
    n = 0
    while time.perf_counter() < end:
        n += 1
    return ms
