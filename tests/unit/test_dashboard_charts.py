from datetime import date

from cairn.dashboard.charts import OTHER, build_chart, format_number, split_top
from cairn.dashboard.export import Export, Series


def test_split_top_keeps_the_largest_segments_and_puts_the_rest_in_other() -> None:
    total = Series("Placed Order", [10.0, 5.0])
    split = [Series("a", [1.0, 1.0]), Series("b", [6.0, 1.0]), Series("c", [2.0, 1.0])]
    shown = split_top(total, split, 2, "count")
    assert [s.segment for s in shown] == ["b", "c", OTHER]
    # Other holds segment a and the events without the property.
    assert shown[-1].values == [2.0, 3.0]
    assert sum(s.total for s in shown) == total.total


def test_split_top_without_a_remainder_has_no_other() -> None:
    shown = split_top(Series("m", [3.0]), [Series("a", [2.0]), Series("b", [1.0])], 5, "value")
    assert [s.segment for s in shown] == ["a", "b"]


def test_unique_profiles_get_no_other_because_they_do_not_add_up() -> None:
    shown = split_top(Series("m", [3.0]), [Series("a", [2.0]), Series("b", [2.0])], 1, "unique")
    assert [s.segment for s in shown] == ["a"]


def test_build_chart_labels_rows_and_totals() -> None:
    total = Export([date(2024, 1, 1), date(2024, 2, 1)], [Series("total", [3.0, 4.0])])
    chart = build_chart("Placed Order", "month", "count", total, None, 5)
    assert chart.labels == ["2024-01", "2024-02"]
    assert chart.rows() == [("2024-01", [3.0], 3.0), ("2024-02", [4.0], 4.0)]
    assert chart.total == 7
    assert chart.describe().startswith("Placed Order: 7 events in total")
    assert chart.as_json()["series"] == [{"label": "Placed Order", "values": [3.0, 4.0]}]


def test_format_number() -> None:
    assert format_number(1234.0) == "1,234"
    assert format_number(12.5) == "12.50"
