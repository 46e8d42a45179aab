"""What ingest pays per request for its latency histogram.

Compares the fast path's `LatencyHistogram.observe` (plus the two `perf_counter` calls around a
request) with prometheus-client's own `Histogram.observe`. Prints nanoseconds per request.

    python bench/metrics_overhead.py [--rounds 1000000]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Histogram

from cairn.ops.histogram import LATENCY_BOUNDS, LatencyHistogram


def per_call_ns(step: Callable[[], None], rounds: int) -> float:
    began = time.perf_counter_ns()
    for _ in range(rounds):
        step()
    return (time.perf_counter_ns() - began) / rounds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1_000_000)
    rounds = parser.parse_args().rounds
    ours = LatencyHistogram()
    theirs = Histogram(
        "bench_seconds", "bench", buckets=LATENCY_BOUNDS, registry=CollectorRegistry()
    )
    clock = time.perf_counter

    def nothing() -> None:
        pass

    def cairn_step() -> None:
        started = clock()
        ours.observe(clock() - started)

    def prometheus_step() -> None:
        started = clock()
        theirs.observe(clock() - started)

    baseline = per_call_ns(nothing, rounds)
    cairn = per_call_ns(cairn_step, rounds) - baseline
    prometheus = per_call_ns(prometheus_step, rounds) - baseline
    budget = 1e9 / 10_000  # per request at the 10k req/s target
    print(f"rounds                          {rounds}")
    for name, cost in (("cairn histogram", cairn), ("prometheus-client", prometheus)):
        share = cost / budget
        print(f"{name + ' + 2 clocks':<32}{cost:8.0f} ns/request  ({share:.2%} of 100 µs)")


if __name__ == "__main__":
    main()
