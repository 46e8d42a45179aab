"""The shape walk is skipped when the JSON text alone proves the limits hold."""

from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cairn.ingest.decode import (
    MAX_DEPTH,
    MAX_KEYS_PER_OBJECT,
    Refused,
    check_payload,
    check_shape,
    may_exceed_shape,
    parse_json_object,
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.text('ab{}[]:,"\\ ', max_size=5),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(alphabet="k:{[", max_size=3), children, max_size=4)
    ),
    max_leaves=30,
)


@given(json_values)
def test_whenever_the_text_rules_out_a_breach_the_walk_agrees(value: Any) -> None:
    raw = orjson.dumps({"v": value})
    if not may_exceed_shape(raw):
        check_shape(orjson.loads(raw))  # must not raise


def nested(depth: int) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for _ in range(depth - 1):
        payload = {"a": payload}
    return payload


def test_a_typical_track_payload_needs_no_walk() -> None:
    raw = orjson.dumps(
        {
            "token": "AbC123",
            "event": "Ordered",
            "customer_properties": {"$email": "a@example.com"},
            "properties": {"items": ["Boots", "Socks"], "$value": 9.5},
        }
    )
    assert not may_exceed_shape(raw)


def check(payload: dict[str, Any]) -> None:
    """What ingest does: parse the text, then check the payload with its text at hand."""
    raw = orjson.dumps(payload)
    check_payload("identify", parse_json_object(raw), raw)


def test_limits_are_still_enforced_when_the_text_cannot_rule_them_out() -> None:
    check(nested(MAX_DEPTH))
    with pytest.raises(Refused, match="nesting"):
        check(nested(MAX_DEPTH + 1))
    with pytest.raises(Refused, match="properties"):
        check({f"k{i}": i for i in range(MAX_KEYS_PER_OBJECT + 1)})


def test_many_shallow_containers_pass_after_the_walk() -> None:
    payload = {f"k{i}": [i] for i in range(20)}
    assert may_exceed_shape(orjson.dumps(payload))
    check(payload)


def test_without_its_text_a_payload_is_always_walked() -> None:
    with pytest.raises(Refused, match="nesting"):
        check_payload("identify", nested(MAX_DEPTH + 1))
