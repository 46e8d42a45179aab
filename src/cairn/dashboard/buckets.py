"""The date ranges metric pages show: whole UTC days. Pure functions."""

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
