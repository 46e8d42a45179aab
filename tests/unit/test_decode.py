"""Decoding the `data` of a Track/Identify request, and the checks ingest applies."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cairn.ingest.decode import (
    MAX_DEPTH,
    MAX_KEYS_PER_OBJECT,
    MAX_PAYLOAD_BYTES,
    Refused,
    check_payload,
    decode_data,
    token_of,
)

PAYLOAD: dict[str, Any] = {
    "token": "abc123",
    "event": "Ordered Product",
    "customer_properties": {"$email": "a@b.com"},
    "properties": {"item_name": "Boots ??>", "$value": 100},
}
RAW = orjson.dumps(PAYLOAD)


def nested(depth: int) -> dict[str, Any]:
    """An object `depth` levels deep, counting itself."""
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"k": value}
    return value


@pytest.mark.parametrize(
    "data",
    [
        base64.b64encode(RAW),
        base64.urlsafe_b64encode(RAW),
        base64.b64encode(RAW).rstrip(b"="),
        base64.urlsafe_b64encode(RAW).rstrip(b"="),
        base64.b64encode(RAW) + b"\n",
        base64.b64encode(RAW + b"\n"),
        base64.encodebytes(RAW),  # MIME style: a newline every 76 characters
        base64.b64encode(RAW).replace(b"+", b" "),  # `+` decoded to a space in a query string
        RAW,
        b"  " + orjson.dumps(PAYLOAD, option=orjson.OPT_INDENT_2) + b"\n",
    ],
    ids=[
        "std",
        "url-safe",
        "std-unpadded",
        "url-safe-unpadded",
        "newline-after",
        "newline-inside",
        "mime-lines",
        "plus-as-space",
        "raw",
        "raw-indented",
    ],
)
def test_every_encoding_of_the_payload_decodes_to_it(data: bytes) -> None:
    raw, payload = decode_data(data)
    assert payload == PAYLOAD
    assert orjson.loads(raw) == PAYLOAD


def test_the_test_payload_really_uses_both_base64_alphabets() -> None:
    assert b"+" in base64.b64encode(RAW) or b"/" in base64.b64encode(RAW)
    assert b"-" in base64.urlsafe_b64encode(RAW) or b"_" in base64.urlsafe_b64encode(RAW)


def test_klaviyo_docs_example_with_its_trailing_newline() -> None:
    example = (
        b"eyJ0b2tlbiI6ICJQVUJMSUNfS0VZIiwicHJvcGVydGllcyI6IHsiJGVtYWlsIjogImFicmFoYW0ubGluY29s"
        b"bkBrbGF2aXlvLmNvbSIsIiRmaXJzdF9uYW1lIjogIkFicmFoYW0iLCIkbGFzdF9uYW1lIjogIkxpbmNvbG4i"
        b"LCIkY2l0eSI6ICJTcHJpbmdmaWVsZCIsIiRyZWdpb24iOiAiSWxsaW5vaXMifX0K"
    )
    raw, payload = decode_data(example)
    assert raw.endswith(b"}}\n")
    assert payload["token"] == "PUBLIC_KEY"
    assert payload["properties"]["$email"] == "abraham.lincoln@klaviyo.com"


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(
    st.dictionaries(st.text(), json_values, max_size=6),
    st.sampled_from(["std", "url-safe"]),
    st.booleans(),
    st.booleans(),
)
def test_base64_of_any_json_object_round_trips(
    payload: dict[str, Any], alphabet: str, strip_padding: bool, trailing_newline: bool
) -> None:
    encode = base64.b64encode if alphabet == "std" else base64.urlsafe_b64encode
    data = encode(orjson.dumps(payload))
    if strip_padding:
        data = data.rstrip(b"=")
    if trailing_newline:
        data += b"\n"
    raw, decoded = decode_data(data)
    assert decoded == payload
    assert orjson.loads(raw) == payload


@given(st.dictionaries(st.text(), json_values, max_size=6))
def test_raw_json_of_any_object_is_taken_as_it_is(payload: dict[str, Any]) -> None:
    raw, decoded = decode_data(orjson.dumps(payload))
    assert raw == orjson.dumps(payload)
    assert decoded == payload


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "data is empty"),
        (b"  \n ", "data is empty"),
        (b"not base64!", "data is neither JSON nor base64"),
        (b"eyJ0b2tlbiI6", "data is not valid JSON"),  # cut short
        (base64.b64encode(b"{'token': 'x'}"), "data is not valid JSON"),
        (b'{"token": "x",}', "data is not valid JSON"),
        (b"[1, 2]", "payload is not a JSON object"),
        (base64.b64encode(b'"a string"'), "payload is not a JSON object"),
        (base64.b64encode(b"42"), "payload is not a JSON object"),
        (base64.b64encode(b"null"), "payload is not a JSON object"),
        (base64.b64encode(b'{"token": "\xff"}'), "data is not valid JSON"),
        (b"A", "data is neither JSON nor base64"),
    ],
)
def test_undecodable_data_is_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(Refused) as refused:
        decode_data(data)
    assert refused.value.reason == reason


def test_a_payload_over_1_mb_is_refused_raw_or_encoded() -> None:
    big = orjson.dumps({"token": "abc123", "blob": "x" * MAX_PAYLOAD_BYTES})
    for data in (big, base64.b64encode(big)):
        with pytest.raises(Refused, match="over 1 MB"):
            decode_data(data)
    just_under = orjson.dumps({"token": "abc123", "blob": "x" * (MAX_PAYLOAD_BYTES - 100)})
    assert decode_data(base64.b64encode(just_under))[1]["token"] == "abc123"


# --- checks once the token is known ----------------------------------------------------------


def test_token_must_be_a_non_empty_string() -> None:
    assert token_of({"token": "abc123"}) == "abc123"
    for payload in ({}, {"token": ""}, {"token": 123456}, {"token": None}, {"token": ["a"]}):
        with pytest.raises(Refused, match="token is missing"):
            token_of(payload)


def test_nesting_up_to_10_levels_passes_and_11_is_refused() -> None:
    assert MAX_DEPTH == 10
    check_payload("identify", {"token": "t", "properties": nested(MAX_DEPTH - 1)})
    with pytest.raises(Refused, match="deeper than 10 levels"):
        check_payload("identify", {"token": "t", "properties": nested(MAX_DEPTH)})


def test_lists_count_as_nesting_levels() -> None:
    eight_lists: Any = []
    for _ in range(7):
        eight_lists = [eight_lists]
    # payload (1) → properties (2) → eight lists (3 … 10)
    check_payload("identify", {"token": "t", "properties": {"l": eight_lists}})
    with pytest.raises(Refused, match="deeper"):
        check_payload("identify", {"token": "t", "properties": {"l": [eight_lists]}})


def test_300_properties_pass_and_301_are_refused_at_any_level() -> None:
    assert MAX_KEYS_PER_OBJECT == 300
    keys = {f"k{n}": n for n in range(MAX_KEYS_PER_OBJECT)}
    check_payload("identify", {"token": "t", "properties": keys})
    too_many = {**keys, "one more": 1}
    with pytest.raises(Refused, match="more than 300 properties"):
        check_payload("identify", {"token": "t", "properties": too_many})
    with pytest.raises(Refused, match="more than 300 properties"):
        check_payload("track", {"token": "t", "event": "E", "properties": {"x": [too_many]}})


@pytest.mark.parametrize(
    ("kind", "payload", "reason"),
    [
        ("track", {"token": "t"}, "event name is missing"),
        ("track", {"token": "t", "event": ""}, "event name is missing"),
        ("track", {"token": "t", "event": " \t"}, "event name is missing"),
        ("track", {"token": "t", "event": 7}, "event name is missing"),
        ("track", {"token": "t", "event": ["E"]}, "event name is missing"),
        (
            "track",
            {"token": "t", "event": "E", "customer_properties": "a@b.com"},
            "customer_properties is not an object",
        ),
        ("track", {"token": "t", "event": "E", "properties": [1]}, "properties is not an object"),
        ("identify", {"token": "t", "properties": "a@b.com"}, "properties is not an object"),
    ],
)
def test_fields_of_the_wrong_type_are_refused(
    kind: str, payload: dict[str, Any], reason: str
) -> None:
    with pytest.raises(Refused) as refused:
        check_payload(kind, payload)
    assert refused.value.reason == reason


def test_null_properties_are_allowed() -> None:
    check_payload(
        "track", {"token": "t", "event": "E", "customer_properties": None, "properties": None}
    )
    check_payload("identify", {"token": "t", "properties": None})
