"""A latency histogram cheap enough for the ingest fast path: one bisect and two additions per
observation, no lock (the event loop is one thread). Exported at scrape time."""

from __future__ import annotations

from bisect import bisect_left

# Seconds; what a durable group commit on one machine takes, from cached to a slow disk.
LATENCY_BOUNDS: tuple[float, ...] = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
)


class LatencyHistogram:
    __slots__ = ("bounds", "counts", "total")

    def __init__(self, bounds: tuple[float, ...] = LATENCY_BOUNDS) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last slot is +Inf
        self.total = 0.0

    def observe(self, seconds: float) -> None:
        self.counts[bisect_left(self.bounds, seconds)] += 1
        self.total += seconds

    def cumulative(self) -> list[tuple[str, int]]:
        """Prometheus buckets: (`le`, observations at or under it), ending with `+Inf`."""
        buckets: list[tuple[str, int]] = []
        running = 0
        for bound, count in zip((*map(str, self.bounds), "+Inf"), self.counts, strict=True):
            running += count
            buckets.append((bound, running))
        return buckets

    @property
    def count(self) -> int:
        return sum(self.counts)
