from datetime import date

import pytest

from cairn.checks import Invalid
from cairn.metrics.export import (
    Bucket,
    ExportQuery,
    buckets,
    check_export_params,
    day_label,
    day_number,
    export_keys,
    from_event_groups,
    from_totals,
    rollup_key,
)
from cairn.store.records import DailyTotal, EventGroup

TODAY = day_number(date(2021, 3, 15))


def d(text: str) -> int:
    return day_number(date.fromisoformat(text))


def check(**params: object) -> ExportQuery:
    return check_export_params(params, TODAY)


def test_defaults_are_the_last_month_by_day_counting_events() -> None:
    query = check_export_params({}, TODAY)
    assert (query.first_day, query.last_day) == (TODAY - 30, TODAY)
    assert (query.unit, query.measurement, query.count) == ("day", "count", 25)
    assert not query.needs_events


def test_dates_may_be_unix_seconds() -> None:
    query = check_export_params({"start_date": "1610496000", "end_date": "2021-01-31"}, TODAY)
    assert day_label(query.first_day) == "2021-01-13 00:00:00"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start_date": "2021-01-01"}, "together"),
        ({"start_date": "2021-02-01", "end_date": "2021-01-01"}, "before"),
        ({"start_date": "2021-01-01", "end_date": "2021-02-02"}, "31 days"),
        ({"start_date": "01/02/2021", "end_date": "2021-02-01"}, "YYYY-MM-DD"),
        ({"unit": "year"}, "unit"),
        ({"measurement": "median"}, "measurement"),
        ({"measurement": '["avg", "x"]'}, "measurement"),
        ({"where": "not json"}, "JSON"),
        ({"where": '[["a", ">", 1]]'}, "where"),
        ({"where": '[["a", "=", 1], ["b", "=", 2]]'}, "where"),
        ({"where": '[["a", "=", 1]]', "by": "b"}, "together"),
        ({"count": "0"}, "count"),
        ({"count": "1001"}, "count"),
    ],
)
def test_bad_parameters_are_invalid(params: dict[str, object], message: str) -> None:
    with pytest.raises(Invalid, match=message):
        check_export_params(params, TODAY)


def test_sum_of_a_property_and_where_need_events() -> None:
    summed = check_export_params({"measurement": '["sum", "Items"]'}, TODAY)
    assert (summed.measurement, summed.sum_property) == ("sum", "Items")
    assert summed.measurement_echo() == ["sum", "Items"]
    assert summed.needs_events
    filtered = check_export_params({"where": '[["Brand", "=", "Acme"]]'}, TODAY)
    assert filtered.where == ("Brand", "Acme")
    assert filtered.needs_events


def test_day_buckets_cover_every_day() -> None:
    assert buckets(d("2021-01-30"), d("2021-02-01"), "day") == [
        Bucket(d("2021-01-30"), d("2021-01-30")),
        Bucket(d("2021-01-31"), d("2021-01-31")),
        Bucket(d("2021-02-01"), d("2021-02-01")),
    ]


def test_week_buckets_start_on_monday_clipped_to_the_range() -> None:
    # 2021-01-13 is a Wednesday; 2021-01-18 and 2021-01-25 are Mondays.
    spans = buckets(d("2021-01-13"), d("2021-01-26"), "week")
    assert spans == [
        Bucket(d("2021-01-13"), d("2021-01-17")),
        Bucket(d("2021-01-18"), d("2021-01-24")),
        Bucket(d("2021-01-25"), d("2021-01-26")),
    ]


def test_month_buckets_split_at_the_month_boundary() -> None:
    spans = buckets(d("2021-01-20"), d("2021-02-10"), "month")
    assert spans == [
        Bucket(d("2021-01-20"), d("2021-01-31")),
        Bucket(d("2021-02-01"), d("2021-02-10")),
    ]


def test_totals_fill_empty_days_with_zero() -> None:
    query = check(start_date="2021-01-01", end_date="2021-01-03", measurement="value")
    spans = buckets(query.first_day, query.last_day, query.unit)
    data = from_totals(query, spans, [DailyTotal(d("2021-01-02"), 2, 30.5)])
    assert data == [
        {"date": "2021-01-01 00:00:00", "values": [0.0]},
        {"date": "2021-01-02 00:00:00", "values": [30.5]},
        {"date": "2021-01-03 00:00:00", "values": [0.0]},
    ]


def group(
    day: str, profile_id: int, value_sum: float, properties: dict[str, object], count: int = 1
) -> EventGroup:
    return EventGroup(d(day), profile_id, count, value_sum, properties)


def test_events_grouped_by_a_property_rank_segments_by_size() -> None:
    events = [
        group("2021-01-01", 1, 10.0, {"Brand": "Acme"}),
        group("2021-01-02", 2, 5.0, {"Brand": "Zed"}),
        group("2021-01-02", 3, 5.0, {"Brand": "Zed"}),
        group("2021-01-02", 3, 5.0, {}),
    ]
    query = check(start_date="2021-01-01", end_date="2021-01-02", by="Brand", count="5")
    results = from_event_groups(
        query, "Placed Order", buckets(query.first_day, query.last_day, "day"), events
    )
    assert [r["segment"] for r in results] == ["Zed", "Acme"]
    assert [p["values"] for p in results[0]["data"]] == [[0.0], [2.0]]
    assert [p["values"] for p in results[1]["data"]] == [[1.0], [0.0]]


def test_where_keeps_only_matching_events_and_sums_a_property() -> None:
    events = [
        group("2021-01-01", 1, 0.0, {"Brand": "Acme", "Items": 2}),
        group("2021-01-01", 1, 0.0, {"Brand": "Acme", "Items": "3"}),
        group("2021-01-01", 2, 0.0, {"Brand": "Zed", "Items": 100}),
    ]
    query = check(
        start_date="2021-01-01",
        end_date="2021-01-01",
        where='[["Brand", "=", "Acme"]]',
        measurement='["sum", "Items"]',
    )
    results = from_event_groups(
        query, "Placed Order", buckets(query.first_day, query.last_day, "day"), events
    )
    assert results == [
        {"segment": "Placed Order", "data": [{"date": "2021-01-01 00:00:00", "values": [5.0]}]}
    ]


def test_unique_counts_profiles_once_per_bucket() -> None:
    events = [
        group("2021-01-01", 7, 0.0, {"k": 1}),
        group("2021-01-02", 7, 0.0, {"k": 1}),
        group("2021-01-02", 8, 0.0, {"k": 1}),
    ]
    query = check(
        start_date="2021-01-01",
        end_date="2021-01-02",
        unit="month",
        measurement="unique",
        where='[["k", "=", 1]]',
    )
    results = from_event_groups(
        query, "M", buckets(query.first_day, query.last_day, "month"), events
    )
    assert results[0]["data"] == [{"date": "2021-01-01 00:00:00", "values": [2.0]}]


def test_without_matches_the_metric_still_has_a_zero_series() -> None:
    query = check(start_date="2021-01-01", end_date="2021-01-02", where='[["k", "=", 1]]')
    results = from_event_groups(query, "M", buckets(query.first_day, query.last_day, "day"), [])
    assert results == [
        {
            "segment": "M",
            "data": [
                {"date": "2021-01-01 00:00:00", "values": [0.0]},
                {"date": "2021-01-02 00:00:00", "values": [0.0]},
            ],
        }
    ]


def test_a_group_weighs_as_many_events_as_it_holds() -> None:
    groups = [
        group("2021-01-01", 0, 30.0, {"Brand": "Acme", "Items": "2.5"}, count=3),
        group("2021-01-01", 0, 5.0, {"Brand": "Zed", "Items": 4}, count=2),
        group("2021-01-02", 0, 7.5, {"Brand": "Zed", "Items": 1}, count=1),
    ]
    spans = buckets(d("2021-01-01"), d("2021-01-02"), "day")

    def values(**params: object) -> dict[str, list[float]]:
        query = check(start_date="2021-01-01", end_date="2021-01-02", by="Brand", **params)
        results = from_event_groups(query, "M", spans, groups)
        return {r["segment"]: [p["values"][0] for p in r["data"]] for r in results}

    assert values() == {"Acme": [3.0, 0.0], "Zed": [2.0, 1.0]}  # Acme ranks first: 3 events
    assert values(measurement="value") == {"Acme": [30.0, 0.0], "Zed": [5.0, 7.5]}
    assert values(measurement='["sum", "Items"]') == {"Acme": [7.5, 0.0], "Zed": [8.0, 1.0]}


def test_an_export_looks_up_each_property_it_filters_groups_or_sums_once() -> None:
    assert export_keys(check(where='[["Store", "=", 2]]', measurement='["sum", "Items"]')) == [
        "Store",
        "Items",
    ]
    assert export_keys(check(by="Items", measurement='["sum", "Items"]')) == ["Items"]
    assert export_keys(check(measurement="unique")) == []


def test_property_rollups_answer_counts_and_sums_by_one_property() -> None:
    assert rollup_key(check(by="Brand")) == "Brand"
    assert rollup_key(check(where='[["Brand", "=", "A"]]', measurement="value")) == "Brand"
    assert rollup_key(check(by="Items", measurement='["sum", "Items"]')) == "Items"
    assert rollup_key(check(by="Brand", measurement="unique")) is None  # needs profiles
    assert rollup_key(check(by="Brand", measurement='["sum", "Items"]')) is None  # two keys
    assert rollup_key(check()) is None  # the daily rollups answer it
