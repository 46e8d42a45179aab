from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cairn.api import ids
from cairn.segments.definition import Definition, check_definition
from cairn.segments.evaluate import (
    EventFact,
    Memberships,
    evaluate,
    next_change,
    unchanged_by_new_events,
)
from cairn.segments.moments import DAY

NOW = 1_717_200_000.0  # 2024-06-01T00:00:00Z
NONE = Memberships()
NEWS, VIPS = ids.encode("list", 1), ids.encode("list", 2)


def matches(
    definition: dict[str, Any],
    profile: dict[str, Any] | None = None,
    events: list[EventFact] | None = None,
    memberships: Memberships = NONE,
    now: float = NOW,
) -> bool:
    return evaluate(check_definition(definition), profile or {}, events or [], memberships, now)


def prop(op: str, **operands: Any) -> dict[str, Any]:
    return {"type": "property", "property": "p", "op": op, **operands}


def ordered(days_ago: float, **properties: Any) -> EventFact:
    return EventFact("Placed Order", NOW - days_ago * DAY, properties)


# --- property operators, each on a hit, a miss, a missing property and a mismatched type ---


@pytest.mark.parametrize(
    ("condition", "hit", "miss"),
    [
        (prop("equals", value="Gold"), "gold", "Silver"),
        (prop("equals", value=3), 3.0, 4),
        (prop("equals", value=True), True, False),
        (prop("contains", value="OLD"), "Goldie", "Silver"),
        (prop("starts_with", value="go"), "Gold", "Agog"),
        (prop("greater", value=10), 10.5, 10),
        (prop("less", value=10), -1, 10),
        (prop("between", values=[1, 5]), 5, 5.01),
        (prop("in", values=["Gold", 7]), 7, "Bronze"),
        (prop("before", value="2024-01-31"), "2024-01-30T23:59:59Z", "2024-01-31"),
        (prop("after", value="2024-01-31"), 1706659201, "2024-01-31T00:00:00+00:00"),
        (prop("within_last_days", days=30), NOW - 30 * DAY + 1, NOW - 30 * DAY),
    ],
)
def test_positive_operators(condition: dict[str, Any], hit: object, miss: object) -> None:
    assert matches(condition, {"p": hit})
    assert not matches(condition, {"p": miss})
    assert not matches(condition, {})
    assert not matches(condition, {"p": None})
    assert not matches(condition, {"p": {"nested": hit}})


def test_not_equals_is_the_exact_negation_of_equals() -> None:
    condition = prop("not_equals", value="Gold")
    assert matches(condition, {"p": "Silver"})
    assert not matches(condition, {"p": "GOLD"})
    assert matches(condition, {})  # missing: not equal
    assert matches(condition, {"p": 5})  # another type: not equal


@pytest.mark.parametrize(
    ("value", "is_set"),
    [("x", True), (0, True), (False, True), ([], True), ("", False), (None, False)],
)
def test_is_set_and_is_not_set(value: object, is_set: bool) -> None:
    assert matches(prop("is_set"), {"p": value}) is is_set
    assert matches(prop("is_not_set"), {"p": value}) is not is_set
    assert matches(prop("is_not_set"), {}) and not matches(prop("is_set"), {})


def test_empty_string_counts_as_not_set_for_every_test() -> None:
    assert not matches(prop("equals", value=""), {"p": ""})
    assert not matches(prop("in", values=[""]), {"p": ""})


# --- the type rule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        (prop("greater", value=10), "11", True),  # numeric string is a number
        (prop("greater", value=10), " 1.1e1 ", True),
        (prop("greater", value=10), "eleven", False),  # not numeric: no match, no error
        (prop("greater", value=0), True, False),  # booleans are not numbers
        (prop("between", values=[1, 2]), "1.5", True),
        (prop("between", values=[1, 2]), "NaN", False),
        (prop("equals", value=42), "42", True),
        (prop("equals", value="42"), 42.0, True),
        (prop("equals", value="042"), "42", False),  # two strings compare as text
        (prop("equals", value=1), True, False),
        (prop("equals", value=True), "TRUE", True),
        (prop("equals", value=False), 0, False),
        (prop("equals", value="Gold"), ["Gold"], False),  # lists: use contains
        (prop("contains", value="Gold"), ["Silver", "gold"], True),
        (prop("contains", value="1"), [1, 2], True),
        (prop("contains", value="1"), 123, False),  # text tests need text
        (prop("starts_with", value="1"), 123, False),
        (prop("in", values=[1, "a"]), "1", True),
        (prop("in", values=[1, "a"]), "A", True),
        (prop("before", value="2024-01-31"), 1706659199, True),  # unix seconds
        (prop("before", value="2024-01-31"), 1706659199000, True),  # unix milliseconds
        (prop("before", value="2024-01-31"), "1706659199", True),
        (prop("before", value="2024-01-31"), "last week", False),
        (prop("before", value="2024-01-31"), True, False),
        (prop("after", value=0), "2024-01-31 10:00:00", True),  # space-separated ISO
    ],
)
def test_type_mismatches_follow_the_documented_rule(
    condition: dict[str, Any], value: object, expected: bool
) -> None:
    assert matches(condition, {"p": value}) is expected


def test_huge_numbers_do_not_overflow() -> None:
    assert matches(prop("greater", value=1.5), {"p": 10**400})
    assert not matches(prop("before", value=0), {"p": 10**400})
    assert not matches(prop("greater", value=1), {"p": "1e400"})


# --- relative property dates at the edges --------------------------------------------------


def test_within_last_days_edges() -> None:
    condition = prop("within_last_days", days=1)
    assert matches(condition, {"p": NOW})  # now is inside
    assert not matches(condition, {"p": NOW + 1})  # the future is not "in the last day"
    assert matches(condition, {"p": NOW - DAY + 0.001})
    assert not matches(condition, {"p": NOW - DAY})  # exactly one day ago has left


def test_property_date_next_change_is_entry_then_exit() -> None:
    definition = check_definition(prop("within_last_days", days=2))
    assert next_change(definition, {"p": NOW - DAY}, [], NOW) == NOW + DAY
    assert next_change(definition, {"p": NOW + 5}, [], NOW) == NOW + 5
    assert next_change(definition, {"p": NOW - 3 * DAY}, [], NOW) is None
    assert next_change(definition, {"p": "not a date"}, [], NOW) is None


# --- event conditions ----------------------------------------------------------------------


def event(op: str = "at_least", **rest: Any) -> dict[str, Any]:
    return {"type": "event", "metric": "Placed Order", "op": op, **rest}


def test_count_operators() -> None:
    three = [ordered(1), ordered(2), ordered(3)]
    assert matches(event(count=3), events=three)
    assert not matches(event(count=4), events=three)
    assert matches(event("at_most", count=3), events=three)
    assert not matches(event("at_most", count=2), events=three)
    assert matches(event("at_most", count=2))  # never done is "at most 2"
    assert matches(event("exactly", count=3), events=three)
    assert not matches(event("exactly", count=2), events=three)
    assert matches(event("never"))
    assert not matches(event("never"), events=three)


def test_only_the_named_metric_counts() -> None:
    assert not matches(event(), events=[EventFact("Viewed", NOW, {})])
    assert matches(event("never"), events=[EventFact("Viewed", NOW, {})])


def test_within_last_days_window_edges() -> None:
    condition = event(within_last_days=30)
    assert matches(condition, events=[ordered(30 - 1e-6)])
    assert not matches(condition, events=[ordered(30)])  # exactly 30 days ago has left
    assert matches(condition, events=[ordered(0)])
    assert not matches(condition, events=[ordered(-1)])  # future events are not yet done
    assert matches(event("never", within_last_days=30), events=[ordered(31)])


def test_between_dates_includes_both_ends() -> None:
    condition = event(between=["2024-05-01", "2024-05-02"])
    may_1 = 1714521600.0
    assert matches(condition, events=[EventFact("Placed Order", may_1, {})])
    assert matches(condition, events=[EventFact("Placed Order", may_1 + DAY, {})])
    assert not matches(condition, events=[EventFact("Placed Order", may_1 + DAY + 1, {})])
    assert not matches(condition, events=[EventFact("Placed Order", may_1 - 1, {})])


def test_event_property_filters_use_the_same_operators() -> None:
    big = event(count=2, where=[{"property": "$value", "op": "greater", "value": 50}])
    assert matches(big, events=[ordered(1, **{"$value": 60}), ordered(2, **{"$value": "99"})])
    assert not matches(big, events=[ordered(1, **{"$value": 60}), ordered(2, **{"$value": 10})])
    boots = event(where=[{"property": "Items", "op": "contains", "value": "boots"}])
    assert matches(boots, events=[ordered(1, Items=["Hat", "Boots"])])
    assert not matches(boots, events=[ordered(1)])


def test_count_next_change_is_when_the_count_crosses() -> None:
    at_least_two = check_definition(event(count=2, within_last_days=30))
    events = [ordered(5), ordered(10), ordered(20)]
    # 3 in window; it drops to 1 when the 10-day-old order leaves, 20 days from now.
    assert next_change(at_least_two, {}, events, NOW) == NOW + 20 * DAY
    never = check_definition(event("never", within_last_days=30))
    assert next_change(never, {}, events, NOW) == NOW + 25 * DAY
    future = check_definition(event(within_last_days=30))
    assert next_change(future, {}, [ordered(-2)], NOW) == NOW + 2 * DAY
    assert next_change(future, {}, [ordered(45)], NOW) is None


def test_events_at_one_instant_cross_together() -> None:
    exactly_one = check_definition(event("exactly", count=1, within_last_days=1))
    # Two future orders at the same second: the count goes 0 → 2, never equal to 1 there.
    assert next_change(exactly_one, {}, [ordered(-1), ordered(-1)], NOW) is None


def test_past_events_at_one_instant_leave_together() -> None:
    exactly_one = check_definition(event("exactly", count=1, within_last_days=30))
    assert next_change(exactly_one, {}, [ordered(3), ordered(3)], NOW) is None
    at_most_one = check_definition(event("at_most", count=1, within_last_days=30))
    events = [ordered(3), ordered(3), ordered(1)]
    assert next_change(at_most_one, {}, events, NOW) == NOW + 27 * DAY  # both leave at once


def test_relative_event_property_filter_wakes_at_its_edges() -> None:
    definition = check_definition(
        event(where=[{"property": "ships", "op": "within_last_days", "days": 3}])
    )
    assert next_change(definition, {}, [ordered(10, ships=NOW - DAY)], NOW) == NOW + 2 * DAY


def test_static_definitions_never_need_a_recheck() -> None:
    definition = check_definition(event(count=5))
    assert next_change(definition, {}, [ordered(1)], NOW) is None


# --- groups, lists, consent, exclusions ----------------------------------------------------


def test_and_or_nesting() -> None:
    definition = {
        "and": [
            prop("equals", value="Gold"),
            {
                "or": [
                    event(within_last_days=30),
                    {"type": "property", "property": "vip", "op": "is_set"},
                ]
            },
        ]
    }
    assert matches(definition, {"p": "Gold"}, [ordered(1)])
    assert matches(definition, {"p": "Gold", "vip": 1})
    assert not matches(definition, {"p": "Gold"}, [ordered(31)])
    assert not matches(definition, {"p": "Silver", "vip": 1}, [ordered(1)])


def test_list_membership() -> None:
    inside = Memberships(lists=frozenset({NEWS}))
    assert matches({"type": "list", "list_id": NEWS}, memberships=inside)
    assert not matches({"type": "list", "list_id": NEWS})
    assert matches({"type": "list", "list_id": NEWS, "op": "not_in"})
    assert not matches({"type": "list", "list_id": NEWS, "op": "not_in"}, memberships=inside)


@pytest.mark.parametrize(
    ("consent", "expected"),
    [(["email", "sms"], True), (["SMS"], False), ("web, email", True), (None, False), (5, False)],
)
def test_consent_contains_channel(consent: object, expected: bool) -> None:
    assert matches({"type": "consent", "channel": "email"}, {"$consent": consent}) is expected


def test_not_excluded() -> None:
    assert matches({"type": "not_excluded"})
    assert not matches({"type": "not_excluded"}, memberships=Memberships(excluded=True))


# --- never an exception --------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(
        ["2024-01-31", "42", "1e400", " 7 ", "true", "email", "9999-12-31T23:59:59-23:59"]
    )
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)
NAMES = st.sampled_from(["p", "q", "$consent", "$value"])
tests = st.one_of(
    st.builds(
        lambda op, v: {"op": op, "value": v},
        st.sampled_from(["equals", "not_equals", "in"]),
        json_scalars.filter(lambda v: v is not None and v not in (float("inf"), float("-inf"))),
    ).map(lambda t: t if t["op"] != "in" else {"op": "in", "values": [t["value"]]}),
    st.builds(
        lambda op, v: {"op": op, "value": v},
        st.sampled_from(["contains", "starts_with"]),
        st.text(min_size=1, max_size=3),
    ),
    st.builds(
        lambda op, v: {"op": op, "value": v},
        st.sampled_from(["greater", "less"]),
        st.integers() | st.floats(allow_nan=False, allow_infinity=False),
    ),
    st.builds(
        lambda a, b: {"op": "between", "values": sorted([a, b])}, st.integers(), st.integers()
    ),
    st.builds(
        lambda op, v: {"op": op, "value": v},
        st.sampled_from(["before", "after"]),
        st.integers(0, 4_000_000_000),
    ),
    st.builds(lambda d: {"op": "within_last_days", "days": d}, st.integers(1, 400)),
    st.sampled_from([{"op": "is_set"}, {"op": "is_not_set"}]),
)
property_conditions = st.builds(
    lambda name, t: {"type": "property", "property": name, **t}, NAMES, tests
)
event_conditions = st.builds(
    lambda op, count, days, filters: {
        "type": "event",
        "metric": "M",
        "op": op,
        **({} if op == "never" else {"count": count}),
        **({"within_last_days": days} if days else {}),
        "where": [{"property": n, **t} for n, t in filters],
    },
    st.sampled_from(["at_least", "at_most", "exactly", "never"]),
    st.integers(0, 3),
    st.none() | st.integers(1, 60),
    st.lists(st.tuples(NAMES, tests), max_size=2),
)
leaves = (
    property_conditions
    | event_conditions
    | st.builds(lambda c: {"type": "consent", "channel": c}, st.sampled_from(["email", "sms"]))
    | st.just({"type": "not_excluded"})
    | st.builds(lambda i: {"type": "list", "list_id": i}, st.sampled_from([NEWS, VIPS]))
)
definitions = st.recursive(
    leaves,
    lambda inner: st.builds(
        lambda op, c: {op: c},
        st.sampled_from(["and", "or"]),
        st.lists(inner, min_size=1, max_size=3),
    ),
    max_leaves=6,
).map(check_definition)
profiles = st.dictionaries(NAMES | st.text(max_size=3), json_values, max_size=4)
facts = st.lists(
    st.builds(
        EventFact,
        st.sampled_from(["M", "N"]),
        st.floats(NOW - 90 * DAY, NOW + 90 * DAY)
        | st.sampled_from([NOW - 29 * DAY, NOW - 3 * DAY, NOW - DAY, NOW, NOW + DAY]),  # ties
        st.dictionaries(NAMES, json_values, max_size=3),
    ),
    max_size=5,
)


@given(definitions, profiles, facts, st.booleans())
def test_evaluate_never_raises_and_next_change_is_ahead(
    definition: Definition, profile: dict[str, object], events: list[EventFact], excluded: bool
) -> None:
    memberships = Memberships(frozenset({NEWS}), excluded)
    result = evaluate(definition, profile, events, memberships, NOW)
    assert isinstance(result, bool)
    upcoming = next_change(definition, profile, events, NOW)
    if upcoming is None:  # then the answer holds for good
        assert evaluate(definition, profile, events, memberships, NOW + 999 * DAY) is result
        return
    assert upcoming > NOW
    # Nothing changes strictly before the announced instant.
    for before in ((NOW + upcoming) / 2, upcoming - 0.001):
        assert evaluate(definition, profile, events, memberships, before) is result


@given(
    st.sampled_from(["at_least", "at_most", "exactly", "never"]),
    st.integers(0, 3),
    st.integers(1, 30),
    st.lists(
        st.sampled_from([-40, -30, -29.5, -12, -3, -1, 0, 1, 2]).map(lambda d: NOW + d * DAY),
        max_size=6,
    ),
)
def test_a_lone_window_condition_changes_exactly_when_announced(
    op: str, count: int, days: int, times: list[float]
) -> None:
    definition = check_definition(
        event(op, within_last_days=days, **({} if op == "never" else {"count": count}))
    )
    facts = [EventFact("Placed Order", time, {}) for time in times]
    now_answer = evaluate(definition, {}, facts, NONE, NOW)
    upcoming = next_change(definition, {}, facts, NOW)
    if upcoming is not None:
        assert evaluate(definition, {}, facts, NONE, upcoming) is not now_answer


def test_which_answers_new_events_cannot_change() -> None:
    browsing_not_buying = check_definition(
        {
            "and": [
                {"type": "event", "metric": "Viewed", "within_last_days": 7},
                {"type": "event", "metric": "Placed Order", "op": "never", "within_last_days": 7},
                prop("is_set"),
            ]
        }
    )
    # More views keep a member in; more orders keep a non-member out.
    assert unchanged_by_new_events(browsing_not_buying, ["Viewed"], member=True)
    assert unchanged_by_new_events(browsing_not_buying, ["Placed Order"], member=False)
    assert not unchanged_by_new_events(browsing_not_buying, ["Viewed"], member=False)
    assert not unchanged_by_new_events(browsing_not_buying, ["Placed Order"], member=True)
    assert not unchanged_by_new_events(browsing_not_buying, ["Viewed", "Placed Order"], True)
    assert unchanged_by_new_events(browsing_not_buying, ["Opened Email"], member=False)
    exactly_two = check_definition(event("exactly", count=2))
    assert not unchanged_by_new_events(exactly_two, ["Placed Order"], member=True)
    assert not unchanged_by_new_events(exactly_two, ["Placed Order"], member=False)


@given(
    st.sampled_from(["at_least", "at_most", "exactly", "never"]),
    st.integers(0, 3),
    st.lists(st.integers(0, 60), max_size=5),
    st.integers(-5, 60),
)
def test_a_skipped_answer_really_stays_the_same(
    op: str, count: int, ages: list[int], new_age: int
) -> None:
    definition = check_definition(
        event(op, within_last_days=30, **({} if op == "never" else {"count": count}))
    )
    before = [ordered(age) for age in ages]
    member = evaluate(definition, {}, before, NONE, NOW)
    after = evaluate(definition, {}, [*before, ordered(new_age)], NONE, NOW)
    if unchanged_by_new_events(definition, ["Placed Order"], member):
        assert after is member
