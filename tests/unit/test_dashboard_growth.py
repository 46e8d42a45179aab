from datetime import date

from cairn.dashboard.growth import EPOCH, members_per_day


def day(value: date) -> int:
    return (value - EPOCH).days


def test_members_per_day_starts_from_earlier_changes_and_fills_gaps() -> None:
    changes = [(day(date(2024, 1, 1)), 5), (day(date(2024, 1, 3)), 2), (day(date(2024, 1, 5)), -1)]
    counts = members_per_day(changes, date(2024, 1, 2), date(2024, 1, 6))
    assert counts == [
        (date(2024, 1, 2), 5),
        (date(2024, 1, 3), 7),
        (date(2024, 1, 4), 7),
        (date(2024, 1, 5), 6),
        (date(2024, 1, 6), 6),
    ]


def test_no_changes_means_zero_members() -> None:
    assert members_per_day([], date(2024, 1, 1), date(2024, 1, 2)) == [
        (date(2024, 1, 1), 0),
        (date(2024, 1, 2), 0),
    ]
