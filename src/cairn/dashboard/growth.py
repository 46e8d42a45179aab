"""Member counts over time from per-day changes. Pure."""

from __future__ import annotations

from datetime import date, timedelta

EPOCH = date(1970, 1, 1)


def members_per_day(
    changes: list[tuple[int, int]], first: date, last: date
) -> list[tuple[date, int]]:
    """(day, members at its end) for each day of [first, last], from (UTC day number, net
    change) pairs; changes before `first` count towards its starting figure."""
    first_day, last_day = (first - EPOCH).days, (last - EPOCH).days
    by_day = dict(changes)
    running = sum(change for day, change in changes if day < first_day)
    counts = []
    for day in range(first_day, last_day + 1):
        running += by_day.get(day, 0)
        counts.append((EPOCH + timedelta(days=day), running))
    return counts
