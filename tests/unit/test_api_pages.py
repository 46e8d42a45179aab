import uuid
from datetime import UTC, datetime, timedelta

import pytest

from cairn.api import ids
from cairn.api.pages import FAR, next_token, page_envelope, parse_since
from cairn.checks import Invalid


def test_page_end_is_the_inclusive_index_of_the_last_item() -> None:
    page = page_envelope(["a", "b"], page=1, page_size=2, total=5)
    assert (page["start"], page["end"], page["total"]) == (2, 3, 5)
    assert page["end"] < page["total"] - 1  # a tap-style client asks for the next page


def test_an_empty_page_stops_a_tap_style_client() -> None:
    page = page_envelope([], page=0, page_size=50, total=0)
    assert not page["end"] < page["total"] - 1


def test_since_absent_means_now_and_everything_before() -> None:
    assert parse_since(None, ascending=False, now=1234.5) == (1234, FAR)


def test_since_as_unix_seconds_includes_that_second() -> None:
    assert parse_since("1400000000", ascending=True, now=0) == (1400000000, -1)
    assert parse_since("1400000000", ascending=False, now=0) == (1400000000, FAR)


def test_a_next_token_round_trips() -> None:
    token = next_token(1400656845, 42)
    assert token.startswith("1400656845-")
    assert parse_since(token, ascending=False, now=0) == (1400656845, 42)


def test_an_old_uuid1_token_is_read_for_its_time() -> None:
    token = uuid.UUID("31268980-edcb-11e3-8001-5b3d8e19a1ac")
    seconds, _ = parse_since(str(token), ascending=True, now=0)
    issued = datetime(1582, 10, 15, tzinfo=UTC) + timedelta(microseconds=token.time // 10)
    assert seconds == int(issued.timestamp())
    assert issued.date().isoformat() == "2014-06-06"


@pytest.mark.parametrize("since", ["yesterday", "12-!!", str(uuid.uuid4())])
def test_a_bad_since_is_invalid(since: str) -> None:
    with pytest.raises(Invalid):
        parse_since(since, ascending=False, now=0)


def test_a_token_with_a_foreign_id_kind_is_invalid() -> None:
    with pytest.raises(Invalid):
        parse_since(f"1400000000-{ids.encode('list', 3)}", ascending=False, now=0)
