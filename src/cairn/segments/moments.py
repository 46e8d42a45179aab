"""Reading instants and numbers out of JSON values, for dates and numeric comparisons.

Never raises: a value that is not a recognisable instant or number gives None.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

DAY = 86400.0
# Numbers this large are unix milliseconds (JavaScript's Date.now()), smaller ones seconds.
MILLISECONDS_FROM = 1e11
_NUMERIC = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")


def as_number(value: object) -> int | float | None:
    """A JSON number (not a boolean), or a string holding one; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str) and _NUMERIC.fullmatch(value):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def as_moment(value: object) -> float | None:
    """Unix seconds of a date: a number (seconds, or milliseconds when ≥ 1e11), a numeric
    string, or an ISO 8601 date or date-time (naive means UTC); else None."""
    number = as_number(value)
    if number is None and isinstance(value, str):
        return _iso_moment(value.strip())
    if number is None:
        return None
    try:
        seconds = float(number)
    except OverflowError:
        return None
    return seconds / 1000 if abs(seconds) >= MILLISECONDS_FROM else seconds


def _iso_moment(text: str) -> float | None:
    if len(text) < 8 or not text[:4].isdigit():
        return None
    try:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    except (ValueError, OverflowError):
        return None
