"""File rows to payloads: the column rules and the reasons a row is rejected."""

import pytest

from cairn.dataio.mapping import (
    NO_IDENTIFIER,
    RowRejected,
    event_payload,
    parse_renames,
    parse_time,
    profile_payload,
)
from cairn.pipeline.identity import extract_identifiers

NOW = 1_700_000_000.0


def event(
    values: dict[str, object], renames: dict[str, str] | None = None, metric: str | None = None
) -> dict[str, object]:
    return event_payload(values, renames or {}, metric, NOW)


def test_flat_columns_become_a_track_payload() -> None:
    payload = event(
        {
            "event": "Placed Order",
            "email": "A@x.com",
            "time": "1600000000",
            "value": "12.5",
            "sku": "b-1",
            "profile.plan": "gold",
        }
    )
    assert payload["event"] == "Placed Order"
    assert payload["customer_properties"] == {"$email": "A@x.com", "plan": "gold"}
    assert payload["time"] == "1600000000"
    properties = payload["properties"]
    assert isinstance(properties, dict)
    assert properties["$value"] == "12.5" and properties["sku"] == "b-1"


def test_nested_objects_and_json_text_are_merged() -> None:
    payload = event(
        {"metric": "Viewed", "customer_properties": {"$id": "u1"}, "properties": '{"page": "/a"}'}
    )
    assert payload["customer_properties"] == {"$id": "u1"}
    assert payload["properties"] == {"page": "/a", "$event_id": payload["properties"]["$event_id"]}  # type: ignore[index]


def test_renames_and_dropped_columns_and_default_metric() -> None:
    payload = event(
        {"Mail": "a@x.com", "secret": "s", "cairn_event_id": 9},
        parse_renames(["Mail=$email", "secret="]),
        metric="Imported",
    )
    assert payload["event"] == "Imported"
    assert payload["customer_properties"] == {"$email": "a@x.com"}
    assert set(payload["properties"]) == {"$event_id"}  # type: ignore[arg-type]


def test_event_id_comes_from_the_content_so_reimports_dedupe() -> None:
    row = {"event": "A", "email": "a@x.com", "time": 1600000000}
    first, again = event(row), event(dict(row))
    other = event({**row, "time": 1600000001})
    ids = [p["properties"]["$event_id"] for p in (first, again, other)]  # type: ignore[index]
    assert ids[0] == ids[1] != ids[2]
    assert event({**row, "$event_id": "o-1"})["properties"]["$event_id"] == "o-1"  # type: ignore[index]


def test_iso_times_are_read_as_utc_unix_seconds() -> None:
    assert parse_time("2021-01-13T00:00:00Z") == 1610496000
    assert parse_time("2021-01-13 01:00:00+01:00") == 1610496000
    assert parse_time("2021-01-13") == 1610496000
    assert parse_time("1610496000") == "1610496000"
    assert parse_time("yesterday") == "yesterday"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"event": "A"}, NO_IDENTIFIER),
        ({"email": "a@x.com"}, "event name is missing"),
        ({"event": "A", "email": "a@x.com", "time": "yesterday"}, "time is not a unix timestamp"),
        (
            {"event": "A", "email": "a@x.com", "time": 12},
            "time is outside 2000-01-01 … one year from now",
        ),
        ({"event": "A", "email": "a@x.com", "$value": "lots"}, "$value is not numeric"),
        (
            {"event": "A", "email": "a@x.com", "properties": "[1]"},
            "properties is not a JSON object",
        ),
    ],
)
def test_rows_the_pipeline_would_reject_are_rejected_with_its_reason(
    row: dict[str, object], reason: str
) -> None:
    with pytest.raises(RowRejected) as rejected:
        event(row)
    assert rejected.value.reason == reason


def test_profile_rows_become_identify_payloads() -> None:
    payload = profile_payload(
        {"phone": "+1 (555) 555-0100", "first_name": "Ann", "properties": {"plan": "gold"}}, {}
    )
    assert payload == {
        "properties": {"plan": "gold", "$phone_number": "+1 (555) 555-0100", "first_name": "Ann"}
    }
    assert extract_identifiers(payload["properties"]).get("phone") == "+15555550100"
    with pytest.raises(RowRejected, match="no identifier"):
        profile_payload({"first_name": "Ann"}, {})


def test_bad_map_options_are_refused() -> None:
    with pytest.raises(ValueError, match="SOURCE=TARGET"):
        parse_renames(["email"])
