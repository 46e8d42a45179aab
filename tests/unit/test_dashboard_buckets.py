from datetime import date

import pytest

from cairn.dashboard.buckets import (
    DateRange,
    check_range,
)


def test_check_range_defaults_to_the_last_30_days() -> None:
    span = check_range(None, "2024-03-30")
    assert span == DateRange(date(2024, 3, 1), date(2024, 3, 30))
    assert span.days == 30


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2024-03-02", "2024-03-01", "starts after it ends"),
        ("yesterday", None, "YYYY-MM-DD"),
        ("2020-01-01", "2024-01-01", "at most"),
    ],
)
def test_check_range_refuses_bad_ranges(first: str, last: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_range(first, last)
