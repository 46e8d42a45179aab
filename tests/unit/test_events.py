"""Event rules: time, `$value`, the dedupe id, `__track_once__` and the metric cap."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cairn.pipeline.events import (
    EARLIEST_TIME,
    MAX_METRICS_PER_ACCOUNT,
    TRACK_ONCE_KEY,
    build_event,
    check_metric_allowed,
    event_id_of,
    parse_event_time,
    parse_value,
)
from cairn.pipeline.rejections import Rejected

RECEIVED = 1_700_000_000.75  # 2023-11-14
YEAR = 365 * 24 * 3600
DAY = 24 * 3600


# --- time ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1_400_656_845, 1_400_656_845),
        (1_400_656_845.9, 1_400_656_845),
        ("1400656845", 1_400_656_845),
        (" 1400656845 ", 1_400_656_845),
        ("1400656845.5", 1_400_656_845),
        (None, 1_700_000_000),
        ("", 1_700_000_000),
    ],
)
def test_time_accepts_int_float_and_numeric_string(raw: object, expected: int) -> None:
    assert parse_event_time(raw, RECEIVED) == expected


@pytest.mark.parametrize(
    "raw", [True, False, "yesterday", "1400656845abc", "nan", "inf", [1400656845], {"t": 1}]
)
def test_time_that_is_not_a_timestamp_is_rejected(raw: object) -> None:
    with pytest.raises(Rejected, match="time is not a unix timestamp"):
        parse_event_time(raw, RECEIVED)


def test_time_bounds_are_year_2000_to_one_year_ahead() -> None:
    assert int(datetime(2000, 1, 1, tzinfo=UTC).timestamp()) == EARLIEST_TIME
    assert parse_event_time(EARLIEST_TIME, RECEIVED) == EARLIEST_TIME
    assert parse_event_time(int(RECEIVED) + YEAR, RECEIVED) == int(RECEIVED) + YEAR
    for outside in (EARLIEST_TIME - 1, 0, -5, int(RECEIVED) + YEAR + 2 * DAY):
        with pytest.raises(Rejected, match="outside"):
            parse_event_time(outside, RECEIVED)


def test_millisecond_timestamps_are_rejected_not_misread() -> None:
    with pytest.raises(Rejected, match="outside"):
        parse_event_time(1_400_656_845_000, RECEIVED)


@given(st.integers(min_value=EARLIEST_TIME, max_value=int(RECEIVED) + YEAR))
def test_any_second_in_range_is_kept_whatever_its_spelling(seconds: int) -> None:
    assert parse_event_time(seconds, RECEIVED) == seconds
    assert parse_event_time(str(seconds), RECEIVED) == seconds
    assert parse_event_time(seconds + 0.5, RECEIVED) == seconds


@given(
    st.one_of(
        st.integers(max_value=EARLIEST_TIME - 1),
        st.integers(min_value=int(RECEIVED) + YEAR + 2 * DAY),
    )
)
def test_any_second_out_of_range_is_rejected(seconds: int) -> None:
    with pytest.raises(Rejected):
        parse_event_time(seconds, RECEIVED)


# --- $value ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(100, 100.0), (35.5, 35.5), ("323.01", 323.01), (" 7 ", 7.0), (-2, -2.0), (None, None)],
)
def test_value_is_numeric(raw: object, expected: float | None) -> None:
    assert parse_value(raw) == expected


@pytest.mark.parametrize("raw", [True, "free", "nan", [1], {"amount": 1}])
def test_a_value_that_is_not_a_number_is_rejected(raw: object) -> None:
    with pytest.raises(Rejected, match=r"\$value is not numeric"):
        parse_value(raw)


# --- $event_id -------------------------------------------------------------------------------


def test_event_id_is_the_given_one_or_else_the_event_second() -> None:
    assert event_id_of({"$event_id": "order-17"}, 1_400_656_845) == "order-17"
    assert event_id_of({"$event_id": 17}, 1_400_656_845) == "17"
    assert event_id_of({}, 1_400_656_845) == "1400656845"
    assert event_id_of({"$event_id": None}, 1_400_656_845) == "1400656845"
    assert event_id_of({"$event_id": ""}, 1_400_656_845) == "1400656845"


def test_the_default_event_id_is_the_event_time_not_the_receipt_time() -> None:
    draft = build_event({"event": "Viewed", "time": 1_400_656_845}, RECEIVED)
    assert draft.event_id == "1400656845"
    assert build_event({"event": "Viewed"}, RECEIVED).event_id == "1700000000"


def test_two_events_in_one_second_share_the_default_event_id() -> None:
    first = build_event({"event": "Viewed", "time": 1_400_656_845.1}, RECEIVED)
    second = build_event({"event": "Viewed", "time": 1_400_656_845.9}, RECEIVED)
    assert first.event_id == second.event_id


# --- the whole event -------------------------------------------------------------------------


def test_build_event_reads_name_time_value_and_properties() -> None:
    draft = build_event(
        {
            "event": "  Ordered Product ",
            "time": "1400656845",
            "properties": {"item_name": "Boots", "$value": "100", "$event_id": "o-1"},
        },
        RECEIVED,
    )
    assert draft.metric == "Ordered Product"
    assert draft.time == 1_400_656_845
    assert draft.value == 100.0
    assert draft.event_id == "o-1"
    assert draft.properties == {"item_name": "Boots", "$value": "100", "$event_id": "o-1"}
    assert draft.track_once is False


def test_track_once_is_read_and_not_kept_as_a_property() -> None:
    payload = {"event": "Signed Up", "properties": {TRACK_ONCE_KEY: True, "plan": "free"}}
    draft = build_event(payload, RECEIVED)
    assert draft.track_once is True
    assert draft.properties == {"plan": "free"}
    assert payload["properties"] == {TRACK_ONCE_KEY: True, "plan": "free"}  # input untouched


def test_null_or_missing_properties_mean_none() -> None:
    assert build_event({"event": "E", "properties": None}, RECEIVED).properties == {}
    assert build_event({"event": "E"}, RECEIVED).properties == {}


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({}, "event name is missing"),
        ({"event": ""}, "event name is missing"),
        ({"event": "   "}, "event name is missing"),
        ({"event": 5}, "event name is missing"),
        ({"event": "E", "properties": [1]}, "properties is not an object"),
        ({"event": "E", "time": "soon"}, "time is not a unix timestamp"),
        ({"event": "E", "time": 946_684_799}, "outside"),
        ({"event": "E", "properties": {"$value": "lots"}}, "$value is not numeric"),
    ],
)
def test_build_event_rejects_with_a_reason(payload: dict[str, object], reason: str) -> None:
    with pytest.raises(Rejected) as rejected:
        build_event(payload, RECEIVED)
    assert reason in rejected.value.reason


# --- metric cap ------------------------------------------------------------------------------


def test_an_account_may_create_metrics_up_to_200() -> None:
    assert MAX_METRICS_PER_ACCOUNT == 200
    check_metric_allowed(0)
    check_metric_allowed(199)


def test_the_201st_metric_is_rejected_with_the_reason() -> None:
    with pytest.raises(Rejected, match="already has 200 metrics"):
        check_metric_allowed(200)
