"""Date ranges and time buckets for metric charts, in UTC. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

Unit = Literal["day", "week", "month"]
UNITS: tuple[Unit, ...] = ("day", "week", "month")
MAX_RANGE_DAYS = 731


@dataclass(frozen=True)
class DateRange:
    """Whole UTC days, both ends included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> int:
        return day_start(self.first)

    @property
    def end(self) -> int:
        """Exclusive: the first second after `last`."""
        return day_start(self.last + timedelta(days=1))


def day_start(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def today() -> date:
    return datetime.now(UTC).date()


def check_range(first: str | None, last: str | None, default_days: int = 30) -> DateRange:
    """From `YYYY-MM-DD` query values; missing ends default to the last `default_days` days."""
    try:
        last_day = date.fromisoformat(last) if last else today()
        first_day = (
            date.fromisoformat(first) if first else last_day - timedelta(days=default_days - 1)
        )
    except ValueError:
        raise ValueError("dates are YYYY-MM-DD") from None
    if first_day > last_day:
        raise ValueError("the range starts after it ends")
    if (last_day - first_day).days + 1 > MAX_RANGE_DAYS:
        raise ValueError(f"a range is at most {MAX_RANGE_DAYS} days")
    return DateRange(first_day, last_day)


def unit_start(day: date, unit: Unit) -> date:
    """The first day of the bucket holding `day`: itself, its ISO week's Monday, its month's 1st."""
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def next_unit(day: date, unit: Unit) -> date:
    if unit == "week":
        return day + timedelta(days=7)
    if unit == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def buckets(span: DateRange, unit: Unit) -> list[tuple[date, int, int]]:
    """(label, start, end) of each bucket touching the range, in unix seconds, end exclusive;
    the first and last are clipped to the range, so the buckets add up to the range."""
    found = []
    label = unit_start(span.first, unit)
    while label <= span.last:
        following = next_unit(label, unit)
        start = max(day_start(label), span.start)
        found.append((label, start, min(day_start(following), span.end)))
        label = following
    return found
