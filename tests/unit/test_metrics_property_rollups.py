import pytest

from cairn.metrics import property_rollups
from cairn.metrics.property_rollups import MAX_VALUE_TEXT, PropertyTally

METRIC = (1, 7)  # account, metric


def test_each_value_keeps_its_json_text_and_sums_value() -> None:
    tally = PropertyTally()
    tally.add(*METRIC, 100, 10.0, {"Brand": "Acme", "Qty": 1, "$event_id": "e1"})
    tally.add(*METRIC, 100, 2.5, {"Brand": "Acme", "Qty": 1.0})
    tally.add(*METRIC, 100, None, {"Brand": True, "Qty": None})
    tally.add(*METRIC, 101, 1.0, {"Brand": {"a": [1]}})
    assert tally.rows == {
        (*METRIC, "Brand", 100, '"Acme"'): (2, 12.5),
        (*METRIC, "Brand", 100, "true"): (1, 0.0),
        (*METRIC, "Brand", 101, '{"a":[1]}'): (1, 1.0),
        (*METRIC, "Qty", 100, "1"): (1, 10.0),  # 1 and 1.0 stay apart, as sent
        (*METRIC, "Qty", 100, "1.0"): (1, 2.5),
        (*METRIC, "Qty", 100, "null"): (1, 0.0),
    }
    assert not tally.capped  # $event_id is unique by design: never rolled up, never capped


def test_a_long_value_caps_its_key_and_drops_what_was_counted() -> None:
    tally = PropertyTally()
    tally.add(*METRIC, 100, 1.0, {"Note": "short", "Brand": "Acme"})
    tally.add(*METRIC, 100, 1.0, {"Note": "x" * MAX_VALUE_TEXT})
    assert tally.capped == tally.newly_capped == {(*METRIC, "Note")}
    tally.add(*METRIC, 100, 1.0, {"Note": "short"})
    assert [row[2] for row in tally.rows] == ["Brand"]


def test_a_key_over_the_day_limit_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(property_rollups, "MAX_VALUES_PER_DAY", 3)
    tally = PropertyTally()
    for n in range(3):
        tally.add(*METRIC, 100, 1.0, {"Order": n, "Brand": "Acme"})
        tally.add(*METRIC, 101, 1.0, {"Order": n})  # another day counts apart
    assert not tally.capped
    tally.add(*METRIC, 100, 1.0, {"Order": 2})  # a value seen that day is not a new one
    assert not tally.capped
    tally.add(*METRIC, 100, 1.0, {"Order": 3})
    assert tally.capped == {(*METRIC, "Order")}
    assert {row[2] for row in tally.rows} == {"Brand"}


def test_keys_capped_in_the_store_are_not_counted() -> None:
    tally = PropertyTally(capped={(*METRIC, "Order")})
    tally.add(*METRIC, 100, 1.0, {"Order": "A-1"})
    tally.add(2, 7, 100, 1.0, {"Order": "A-1"})  # the same key of another account is kept
    assert list(tally.rows) == [(2, 7, "Order", 100, '"A-1"')]
    assert not tally.newly_capped
    assert tally
    assert not PropertyTally(capped={(*METRIC, "Order")})
