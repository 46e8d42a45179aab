"""Ingest health figures from store aggregates: per-minute series and lag percentiles. Pure."""

from __future__ import annotations

import math
from datetime import UTC, datetime

WINDOW_MINUTES = 60


def percentile(histogram: list[tuple[int, int]], q: float) -> int | None:
    """The bucket holding the `q` quantile (0 < q ≤ 1) of (value, count) pairs; None if empty."""
    total = sum(count for _, count in histogram)
    if total == 0:
        return None
    rank = math.ceil(q * total)
    running = 0
    for value, count in sorted(histogram):
        running += count
        if running >= rank:
            return value
    return sorted(histogram)[-1][0]


def per_minute_totals(rows: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """(minute, events) from (minute, lag bucket, events) rows."""
    totals: dict[int, int] = {}
    for minute, _, count in rows:
        totals[minute] = totals.get(minute, 0) + count
    return sorted(totals.items())


def lag_histogram(rows: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """(lag bucket, events) from (minute, lag bucket, events) rows."""
    histogram: dict[int, int] = {}
    for _, bucket, count in rows:
        histogram[bucket] = histogram.get(bucket, 0) + count
    return sorted(histogram.items())


def window_start(now: float, minutes: int = WINDOW_MINUTES) -> int:
    """The first second of the oldest whole minute in the window ending with the current one."""
    return (int(now) // 60 - (minutes - 1)) * 60


def per_minute(
    rows: list[tuple[int, int]], now: float, minutes: int = WINDOW_MINUTES
) -> tuple[list[str], list[int]]:
    """(HH:MM labels in UTC, counts) for each minute of the window, zeros included."""
    counts = dict(rows)
    first = window_start(now, minutes)
    starts = [first + 60 * i for i in range(minutes)]
    labels = [datetime.fromtimestamp(start, UTC).strftime("%H:%M") for start in starts]
    return labels, [counts.get(start, 0) for start in starts]


def lag_now(now: float, oldest_pending: float | None, latest: float | None) -> float | None:
    """Seconds an event waits now: the age of the oldest inbox entry not yet applied, else the
    lag of the event applied last (None before any event)."""
    if oldest_pending is not None:
        return max(now - oldest_pending, 0.0)
    return latest


def format_lag(milliseconds: float | None) -> str:
    if milliseconds is None:
        return "—"
    if milliseconds < 1000:
        return f"{milliseconds:.0f} ms"
    if milliseconds < 120_000:
        return f"{milliseconds / 1000:.1f} s"
    return f"{milliseconds / 60_000:.1f} min"
