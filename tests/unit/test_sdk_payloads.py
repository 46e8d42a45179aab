from datetime import UTC, datetime

import pytest

from cairn.sdk.payloads import encode, identify_payload, track_payload


def test_track_gets_an_event_id_so_retries_are_counted_once() -> None:
    first = track_payload("AbC123", "Placed Order", email="a@example.com")
    second = track_payload("AbC123", "Placed Order", email="a@example.com")
    assert first["properties"]["$event_id"]
    assert first["properties"]["$event_id"] != second["properties"]["$event_id"]


def test_a_given_event_id_is_kept() -> None:
    payload = track_payload("AbC123", "Placed Order", {"$email": "a@x.com"}, {"$event_id": "o-17"})
    assert payload["properties"]["$event_id"] == "o-17"


def test_track_carries_identifiers_time_and_track_once() -> None:
    when = datetime(2021, 1, 13, tzinfo=UTC)
    payload = track_payload(
        "AbC123",
        "Signed Up",
        phone_number="+15555550100",
        external_id="u-1",
        time=when,
        track_once=True,
    )
    assert payload["customer_properties"] == {"$phone_number": "+15555550100", "$id": "u-1"}
    assert payload["time"] == 1610496000
    assert payload["properties"]["__track_once__"] is True
    assert payload["token"] == "AbC123"


def test_someone_must_be_identified() -> None:
    with pytest.raises(ValueError, match="identify the person"):
        track_payload("AbC123", "Placed Order", {"$first_name": "Ann"})
    with pytest.raises(ValueError, match="identify the person"):
        identify_payload("AbC123", {"email": ""})


def test_legacy_spellings_identify_too() -> None:
    assert identify_payload("AbC123", {"email": "a@x.com"})["properties"] == {"email": "a@x.com"}


def test_empty_event_name_is_refused() -> None:
    with pytest.raises(ValueError, match="event name"):
        track_payload("AbC123", " ", email="a@x.com")


def test_encoding_is_compact_json() -> None:
    assert encode({"a": [1, "é"]}) == '{"a":[1,"é"]}'
