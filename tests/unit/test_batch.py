"""Splitting a batch body into payloads."""

from __future__ import annotations

import pytest

from cairn.ingest.batch import Item, Malformed, split_batch


def test_ndjson_skips_blank_lines_and_keeps_each_line_as_sent() -> None:
    body = b'{"a": 1}\n\n  \r\n{"b":2}\r\n'
    items = split_batch(body, "application/x-ndjson")
    assert [item.payload for item in items] == [{"a": 1}, {"b": 2}]
    assert items[0].raw == b'{"a": 1}'


def test_a_body_starting_with_an_object_is_read_as_ndjson_whatever_its_type() -> None:
    assert split_batch(b'{"a": 1}\n{"b": 2}', "application/json")[1].payload == {"b": 2}


def test_array_items_are_re_encoded_and_non_objects_refused() -> None:
    items = split_batch(b'[{"a": 1}, 2, null]', "application/json")
    assert items[0] == Item(b'{"a":1}', {"a": 1})
    assert [item.refused for item in items[1:]] == ["payload is not a JSON object"] * 2


def test_a_bad_ndjson_line_is_an_item_not_a_malformed_batch() -> None:
    items = split_batch(b'{"a": 1}\n{oops\n', "application/x-ndjson")
    assert items[1] == Item(b"{oops", None, "data is not valid JSON")


@pytest.mark.parametrize("body", [b"", b"  ", b"42", b'"x"', b"[1,"])
def test_bodies_that_are_no_batch_are_malformed(body: bytes) -> None:
    with pytest.raises(Malformed):
        split_batch(body, "application/json")
