from datetime import date

import pytest

from cairn.dashboard.buckets import (
    DateRange,
    buckets,
    check_range,
    day_start,
    next_unit,
    unit_start,
)


def test_day_buckets_cover_each_day_of_the_range() -> None:
    span = DateRange(date(2024, 2, 27), date(2024, 3, 1))
    found = buckets(span, "day")
    assert [label for label, _, _ in found] == [
        date(2024, 2, 27),
        date(2024, 2, 28),
        date(2024, 2, 29),
        date(2024, 3, 1),
    ]
    assert all(end - start == 86400 for _, start, end in found)
    assert found[0][1] == span.start and found[-1][2] == span.end


def test_week_buckets_start_on_monday_and_are_clipped_to_the_range() -> None:
    span = DateRange(date(2024, 1, 3), date(2024, 1, 16))  # a Wednesday to a Tuesday
    found = buckets(span, "week")
    assert [label for label, _, _ in found] == [
        date(2024, 1, 1),
        date(2024, 1, 8),
        date(2024, 1, 15),
    ]
    assert found[0][1] == day_start(date(2024, 1, 3))
    assert found[1][2] - found[1][1] == 7 * 86400
    assert found[2][2] == day_start(date(2024, 1, 17))


def test_month_buckets_cross_year_ends_and_add_up_to_the_range() -> None:
    span = DateRange(date(2023, 11, 15), date(2024, 2, 10))
    found = buckets(span, "month")
    assert [label for label, _, _ in found] == [
        date(2023, 11, 1),
        date(2023, 12, 1),
        date(2024, 1, 1),
        date(2024, 2, 1),
    ]
    assert sum(end - start for _, start, end in found) == span.end - span.start
    assert all(found[i][2] == found[i + 1][1] for i in range(len(found) - 1))


def test_unit_start_and_next_unit() -> None:
    assert unit_start(date(2024, 12, 31), "month") == date(2024, 12, 1)
    assert next_unit(date(2024, 12, 1), "month") == date(2025, 1, 1)
    assert unit_start(date(2024, 3, 10), "week") == date(2024, 3, 4)


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
