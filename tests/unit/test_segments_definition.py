from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cairn.api import ids
from cairn.segments.definition import (
    Between,
    ConsentCondition,
    CountOp,
    DateCompare,
    DateOp,
    DateRange,
    Definition,
    DefinitionError,
    Equals,
    EventCondition,
    Group,
    GroupOp,
    InList,
    IsSet,
    ListCondition,
    NotExcluded,
    NumberCompare,
    NumberOp,
    PropertyCondition,
    Text,
    TextOp,
    WithinLastDays,
    check_definition,
)

JAN_31 = 1706659200.0  # 2024-01-31T00:00:00Z
NEWS, VIPS = ids.encode("list", 1), ids.encode("list", 2)


def prop(op: str, **operands: Any) -> dict[str, Any]:
    return {"type": "property", "property": "Plan", "op": op, **operands}


@pytest.mark.parametrize(
    ("condition", "test"),
    [
        (prop("equals", value="Gold"), Equals("Gold")),
        (prop("not_equals", value=3), Equals(3, negated=True)),
        (prop("contains", value="ol"), Text(TextOp.CONTAINS, "ol")),
        (prop("starts_with", value="G"), Text(TextOp.STARTS_WITH, "G")),
        (prop("is_set"), IsSet()),
        (prop("is_not_set"), IsSet(negated=True)),
        (prop("greater", value=10), NumberCompare(NumberOp.GREATER, 10)),
        (prop("less", value=2.5), NumberCompare(NumberOp.LESS, 2.5)),
        (prop("between", values=[1, 5]), Between(1, 5)),
        (prop("in", values=["Gold", 2, True]), InList(("Gold", 2, True))),
        (prop("before", value="2024-01-31"), DateCompare(DateOp.BEFORE, JAN_31)),
        (prop("after", value=JAN_31), DateCompare(DateOp.AFTER, JAN_31)),
        (prop("after", value="2024-01-31T01:00:00+01:00"), DateCompare(DateOp.AFTER, JAN_31)),
        (prop("within_last_days", days=30), WithinLastDays(30)),
    ],
)
def test_every_property_operator_parses(condition: dict[str, Any], test: object) -> None:
    assert check_definition(condition).root == PropertyCondition("Plan", test)  # type: ignore[arg-type]


def test_event_condition_with_window_and_filters() -> None:
    definition = check_definition(
        {
            "type": "event",
            "metric": " Placed Order ",
            "op": "at_least",
            "count": 2,
            "within_last_days": 30,
            "where": [{"property": "$value", "op": "greater", "value": 50}],
        }
    )
    assert definition.root == EventCondition(
        "Placed Order",
        CountOp.AT_LEAST,
        2,
        WithinLastDays(30),
        (PropertyCondition("$value", NumberCompare(NumberOp.GREATER, 50)),),
    )
    assert definition.metrics == {"Placed Order"}
    assert definition.time_dependent


def test_event_condition_defaults_to_at_least_once_ever() -> None:
    definition = check_definition({"type": "event", "metric": "Viewed"})
    assert definition.root == EventCondition("Viewed", CountOp.AT_LEAST, 1)
    assert not definition.time_dependent


def test_never_and_between_dates() -> None:
    definition = check_definition(
        {"type": "event", "metric": "Refund", "op": "never", "between": ["2024-01-31", 1706745600]}
    )
    assert definition.root == EventCondition(
        "Refund", CountOp.NEVER, 0, DateRange(JAN_31, JAN_31 + 86400)
    )


def test_nested_groups_and_the_other_condition_types() -> None:
    definition = check_definition(
        {
            "and": [
                {"type": "consent", "channel": "email"},
                {"type": "not_excluded"},
                {
                    "or": [
                        {"type": "list", "list_id": NEWS},
                        {"type": "list", "list_id": VIPS, "op": "not_in"},
                    ]
                },
            ]
        }
    )
    assert definition.root == Group(
        GroupOp.AND,
        (
            ConsentCondition("email"),
            NotExcluded(),
            Group(GroupOp.OR, (ListCondition(NEWS), ListCondition(VIPS, member=False))),
        ),
    )
    assert definition.lists == {NEWS, VIPS}
    assert definition.uses_exclusions
    assert definition.properties == {"$consent", "$email"}


def test_dependencies_cover_filters_and_relative_property_dates() -> None:
    definition = check_definition(
        {
            "or": [
                {"type": "property", "property": "Signed up", "op": "within_last_days", "days": 7},
                {"type": "event", "metric": "Opened", "op": "at_most", "count": 3},
            ]
        }
    )
    assert definition.properties == {"Signed up"}
    assert definition.metrics == {"Opened"}
    assert definition.time_dependent


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ([], "definition: must be an object"),
        ({}, "definition: needs 'and' or 'or'"),
        ({"type": "weather"}, "a 'type' among property, event"),
        ({"and": []}, "definition.and: must be a non-empty list"),
        ({"and": [{"type": "not_excluded"}], "x": 1}, "a group holds only 'and'"),
        ({"or": [prop("equal", value=1)]}, "definition.or[0].op: must be one of equals"),
        (prop("equals"), "definition.value: must be a string, number or boolean"),
        (prop("equals", value=[1]), "must be a string, number or boolean"),
        (prop("greater", value="10"), "definition.value: must be a number"),
        (prop("greater", value=True), "definition.value: must be a number"),
        (prop("contains", value=""), "must be a non-empty string"),
        (prop("between", values=[5, 1]), "the first value must not be above the second"),
        (prop("between", values=[1]), "must be a list of two values"),
        (prop("in", values=[]), "must be a list of 1 to 1000 values"),
        (prop("before", value="yesterday"), "must be an ISO date"),
        (prop("within_last_days", days=0), "definition.days: must be a whole number ≥ 1"),
        (prop("is_set", colour="red"), "unknown key 'colour'"),
        ({"type": "property", "op": "is_set"}, "definition.property: must be a non-empty string"),
        ({"type": "event", "metric": ""}, "definition.metric: must be a non-empty string"),
        ({"type": "event", "metric": "M", "op": "most"}, "must be one of at_least, at_most"),
        ({"type": "event", "metric": "M", "op": "never", "count": 0}, "not used with 'never'"),
        ({"type": "event", "metric": "M", "count": -1}, "definition.count: must be a whole"),
        ({"type": "event", "metric": "M", "count": 1.5}, "definition.count: must be a whole"),
        (
            {"type": "event", "metric": "M", "within_last_days": 3, "between": [1, 2]},
            "either 'within_last_days' or 'between'",
        ),
        (
            {"type": "event", "metric": "M", "where": [{"property": "x", "op": "nope"}]},
            "definition.where[0].op",
        ),
        ({"type": "consent", "channel": "fax"}, "channel: must be one of directmail, email"),
        ({"type": "list", "list_id": "L", "op": "maybe"}, "must be 'in' or 'not_in'"),
        ({"type": "list", "list_id": "AbC1234"}, "definition.list_id: 'AbC1234' is not a list id"),
    ],
)
def test_bad_definitions_name_the_place_and_the_rule(definition: object, message: str) -> None:
    with pytest.raises(DefinitionError) as raised:
        check_definition(definition)
    assert message in str(raised.value)


def test_nesting_and_size_are_bounded() -> None:
    deep: dict[str, Any] = {"type": "not_excluded"}
    for _ in range(9):
        deep = {"and": [deep]}
    with pytest.raises(DefinitionError, match="nest at most 8 deep"):
        check_definition(deep)
    with pytest.raises(DefinitionError, match="at most 200 conditions"):
        check_definition({"or": [{"type": "not_excluded"}] * 201})


words = st.sampled_from(
    [
        "property",
        "event",
        "list",
        "consent",
        "not_excluded",
        "equals",
        "between",
        "in",
        "never",
        "within_last_days",
        "before",
        "email",
        "2024-01-31",
        "M",
    ]
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8) | words,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "and",
                    "or",
                    "type",
                    "op",
                    "value",
                    "values",
                    "days",
                    "metric",
                    "property",
                    "count",
                    "where",
                    "between",
                    "within_last_days",
                    "channel",
                    "list_id",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@given(json_values)
def test_any_json_is_either_a_definition_or_a_definition_error(value: object) -> None:
    try:
        definition = check_definition(value)
    except DefinitionError as error:
        assert str(error)
    else:
        assert isinstance(definition, Definition)
