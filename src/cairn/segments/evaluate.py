"""Whether a profile belongs to a segment, and when that answer could next change by itself.

Pure functions over plain values; they never raise, whatever JSON the properties hold.

The type rule (also in docs/segments.md): a value is compared as the operator's type asks.
- Numbers (greater, less, between, and equals/in when either side is a number): JSON numbers,
  and strings holding a decimal number (`"42"`, `" 4.5e1 "`), compare numerically; anything
  else (other strings, booleans, lists, objects, null) does not match.
- Booleans match booleans and the strings "true" / "false" (any case); nothing else.
- Text (equals/in between two strings, contains, starts_with) ignores case; `contains` on a list
  property means "one of its items equals the value".
- Dates: ISO 8601 strings (naive means UTC), unix seconds (milliseconds when ≥ 1e11), or numeric
  strings of either; anything else does not match.
- A missing property, JSON null and "" are "not set", and match no test but `is_not_set`.
- `not_equals` is exactly "not `equals`": it matches a missing property or a value of another type.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cairn.segments.definition import (
    CONSENT_PROPERTY,
    Between,
    Condition,
    ConsentCondition,
    CountOp,
    DateCompare,
    DateOp,
    DateRange,
    Definition,
    Equals,
    EventCondition,
    EventWindow,
    Group,
    GroupOp,
    InList,
    IsSet,
    ListCondition,
    NotExcluded,
    NumberCompare,
    NumberOp,
    PropertyCondition,
    Scalar,
    Test,
    Text,
    TextOp,
    WithinLastDays,
)
from cairn.segments.moments import DAY, as_moment, as_number


@dataclass(frozen=True, slots=True)
class EventFact:
    metric: str
    time: float
    properties: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Memberships:
    """The lists (by public id) a profile is in, and whether it is globally excluded."""

    lists: frozenset[str] = frozenset()
    excluded: bool = False


NO_MEMBERSHIPS = Memberships()


def evaluate(
    definition: Definition,
    profile: Mapping[str, object],
    events: Sequence[EventFact],
    memberships: Memberships,
    now: float,
) -> bool:
    return _holds(definition.root, profile, events, memberships, now)


def next_change(
    definition: Definition,
    profile: Mapping[str, object],
    events: Sequence[EventFact],
    now: float,
) -> float | None:
    """The earliest instant after `now` at which a relative-time condition of the definition
    could change its answer with no new data, or None. (It may be earlier than the moment the
    whole definition changes: re-evaluating then simply finds the next one.)"""
    if not definition.time_dependent:
        return None
    instants = [
        instant
        for leaf in _relative_leaves(definition.root)
        if (instant := _leaf_change(leaf, profile, events, now)) is not None
    ]
    return min(instants, default=None)


# --- whole conditions ------------------------------------------------------------------------


def _holds(
    condition: Condition,
    profile: Mapping[str, object],
    events: Sequence[EventFact],
    memberships: Memberships,
    now: float,
) -> bool:
    if isinstance(condition, Group):
        parts = (_holds(c, profile, events, memberships, now) for c in condition.conditions)
        return all(parts) if condition.op is GroupOp.AND else any(parts)
    if isinstance(condition, PropertyCondition):
        return holds(condition, profile, now)
    if isinstance(condition, EventCondition):
        return _count_matches(condition, _count(condition, events, now))
    if isinstance(condition, ListCondition):
        return (condition.list_id in memberships.lists) == condition.member
    if isinstance(condition, ConsentCondition):
        return _has_consent(_get(profile, CONSENT_PROPERTY), condition.channel)
    if isinstance(condition, NotExcluded):
        return not memberships.excluded
    raise TypeError(f"unknown condition {condition!r}")


def holds(condition: PropertyCondition, properties: Mapping[str, object], now: float) -> bool:
    """A property test on a profile's or an event's properties."""
    return passes(condition.test, _get(properties, condition.property), now)


def passes(test: Test, value: object, now: float) -> bool:
    if isinstance(test, IsSet):
        return _is_set(value) != test.negated
    if isinstance(test, Equals):
        return (_is_set(value) and _same(value, test.value)) != test.negated
    if not _is_set(value):
        return False
    if isinstance(test, Text):
        return _text_matches(test, value)
    if isinstance(test, NumberCompare):
        number = as_number(value)
        if number is None:
            return False
        return number > test.value if test.op is NumberOp.GREATER else number < test.value
    if isinstance(test, Between):
        number = as_number(value)
        return number is not None and test.low <= number <= test.high
    if isinstance(test, InList):
        return any(_same(value, operand) for operand in test.values)
    if isinstance(test, DateCompare):
        moment = as_moment(value)
        if moment is None:
            return False
        return moment < test.moment if test.op is DateOp.BEFORE else moment > test.moment
    if isinstance(test, WithinLastDays):
        moment = as_moment(value)
        return moment is not None and _within(moment, test.days, now)
    raise TypeError(f"unknown test {test!r}")


def _get(properties: Mapping[str, object], name: str) -> object:
    return properties.get(name) if isinstance(properties, Mapping) else None


def _is_set(value: object) -> bool:
    return value is not None and value != ""


def _same(value: object, operand: Scalar) -> bool:
    if isinstance(operand, bool) or isinstance(value, bool):
        flag = _as_bool(value)
        return flag is not None and flag == _as_bool(operand)
    if isinstance(value, str) and isinstance(operand, str):
        return value.casefold() == operand.casefold()
    number, wanted = as_number(value), as_number(operand)
    return number is not None and wanted is not None and number == wanted


def _as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _text_matches(test: Text, value: object) -> bool:
    if isinstance(value, list) and test.op is TextOp.CONTAINS:
        return any(_same(item, test.value) for item in value)
    if not isinstance(value, str):
        return False
    text, wanted = value.casefold(), test.value.casefold()
    return wanted in text if test.op is TextOp.CONTAINS else text.startswith(wanted)


def _has_consent(value: object, channel: str) -> bool:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return False
    return any(isinstance(item, str) and item.strip().casefold() == channel for item in value)


# --- events ----------------------------------------------------------------------------------


def _within(moment: float, days: int, now: float) -> bool:
    """Inside the last `days` days: after now − days (exclusive), up to now (inclusive)."""
    return now - days * DAY < moment <= now


def _in_window(window: EventWindow | None, time: float, now: float) -> bool:
    if window is None:
        return True
    if isinstance(window, DateRange):
        return window.start <= time <= window.end
    return _within(time, window.days, now)


def _matching(condition: EventCondition, events: Sequence[EventFact], now: float) -> list[float]:
    """Times of the events of the condition's metric that pass its `where` filters."""
    return [
        event.time
        for event in events
        if event.metric == condition.metric
        and all(holds(f, event.properties, now) for f in condition.where)
    ]


def _count(condition: EventCondition, events: Sequence[EventFact], now: float) -> int:
    return sum(
        1 for time in _matching(condition, events, now) if _in_window(condition.window, time, now)
    )


def _count_matches(condition: EventCondition, count: int) -> bool:
    if condition.op is CountOp.AT_LEAST:
        return count >= condition.count
    if condition.op is CountOp.AT_MOST:
        return count <= condition.count
    return count == condition.count


# --- when relative-time conditions change ------------------------------------------------------


def _relative_leaves(condition: Condition) -> list[PropertyCondition | EventCondition]:
    if isinstance(condition, Group):
        return [leaf for child in condition.conditions for leaf in _relative_leaves(child)]
    if isinstance(condition, PropertyCondition) and isinstance(condition.test, WithinLastDays):
        return [condition]
    if isinstance(condition, EventCondition) and (
        isinstance(condition.window, WithinLastDays)
        or any(isinstance(f.test, WithinLastDays) for f in condition.where)
    ):
        return [condition]
    return []


def _leaf_change(
    leaf: PropertyCondition | EventCondition,
    profile: Mapping[str, object],
    events: Sequence[EventFact],
    now: float,
) -> float | None:
    if isinstance(leaf, PropertyCondition):
        return _edge_after(_get(profile, leaf.property), leaf.test, now)
    relative_filters = [f for f in leaf.where if isinstance(f.test, WithinLastDays)]
    if relative_filters:
        # Which events match changes with time too: wake at every edge (rare; conservative).
        edges = [
            edge
            for event in events
            if event.metric == leaf.metric
            for f in relative_filters
            if (edge := _edge_after(_get(event.properties, f.property), f.test, now)) is not None
        ]
        if isinstance(leaf.window, WithinLastDays):
            edges += _window_edges(leaf, _matching(leaf, events, now), now)
        return min(edges, default=None)
    return _count_flip(leaf, _matching(leaf, events, now), now)


def _edge_after(value: object, test: Test, now: float) -> float | None:
    """For a within-last-days test: when a date value next enters or leaves the window."""
    moment = as_moment(value)
    if moment is None or not isinstance(test, WithinLastDays):
        return None
    return min((e for e in (moment, moment + test.days * DAY) if e > now), default=None)


def _window_edges(condition: EventCondition, times: list[float], now: float) -> list[float]:
    assert isinstance(condition.window, WithinLastDays)
    width = condition.window.days * DAY
    return [e for time in times for e in (time, time + width) if e > now]


def _count_flip(condition: EventCondition, times: list[float], now: float) -> float | None:
    """The first instant after `now` at which the windowed count crosses the condition."""
    if not isinstance(condition.window, WithinLastDays):
        return None
    width = condition.window.days * DAY
    count = sum(1 for time in times if _within(time, condition.window.days, now))
    current = _count_matches(condition, count)
    changes: list[tuple[float, int]] = []
    for time in times:
        if time > now:
            changes.append((time, +1))
        if time + width > now:
            changes.append((time + width, -1))
    heapq.heapify(changes)
    while changes:
        instant, delta = heapq.heappop(changes)
        count += delta
        while changes and changes[0][0] == instant:
            count += heapq.heappop(changes)[1]
        if _count_matches(condition, count) != current:
            return instant
    return None
