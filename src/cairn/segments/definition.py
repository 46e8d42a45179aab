"""The segment condition language: typed conditions, parsed and validated from JSON.

`check_definition(json)` turns the JSON a user sends into a `Definition`, or raises
`DefinitionError` whose message names the offending place, e.g. `and[1].value: must be a number`.
The language is documented with examples in docs/segments.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TypeGuard

from cairn.api import ids
from cairn.checks import Invalid
from cairn.segments.moments import as_moment

Scalar = str | int | float | bool

MAX_DEPTH = 8
MAX_CONDITIONS = 200
MAX_LIST_VALUES = 1000
MAX_DAYS = 36600
CHANNELS = frozenset({"email", "web", "sms", "directmail", "mobile"})


class DefinitionError(Invalid):
    """A definition that cannot be used; the message says where and why."""


# --- tests on one property value (profile property or event property) ------------------------


class TextOp(StrEnum):
    CONTAINS = "contains"
    STARTS_WITH = "starts_with"


class NumberOp(StrEnum):
    GREATER = "greater"
    LESS = "less"


class DateOp(StrEnum):
    BEFORE = "before"
    AFTER = "after"


@dataclass(frozen=True)
class Equals:
    value: Scalar
    negated: bool = False


@dataclass(frozen=True)
class Text:
    op: TextOp
    value: str


@dataclass(frozen=True)
class IsSet:
    negated: bool = False


@dataclass(frozen=True)
class NumberCompare:
    op: NumberOp
    value: int | float


@dataclass(frozen=True)
class Between:
    low: int | float
    high: int | float


@dataclass(frozen=True)
class InList:
    values: tuple[Scalar, ...]


@dataclass(frozen=True)
class DateCompare:
    op: DateOp
    moment: float


@dataclass(frozen=True)
class WithinLastDays:
    days: int


Test = Equals | Text | IsSet | NumberCompare | Between | InList | DateCompare | WithinLastDays


@dataclass(frozen=True)
class PropertyCondition:
    """A profile property (as a condition) or an event property (as an event filter)."""

    property: str
    test: Test


# --- conditions on events, lists, consent, exclusions -----------------------------------------


class CountOp(StrEnum):
    AT_LEAST = "at_least"
    AT_MOST = "at_most"
    EXACTLY = "exactly"
    NEVER = "never"


@dataclass(frozen=True)
class DateRange:
    """Both ends included."""

    start: float
    end: float


EventWindow = WithinLastDays | DateRange


@dataclass(frozen=True)
class EventCondition:
    """Has done `metric` (op, count) times, counting the events in `window` matching `where`."""

    metric: str
    op: CountOp
    count: int
    window: EventWindow | None = None
    where: tuple[PropertyCondition, ...] = ()


@dataclass(frozen=True)
class ListCondition:
    list_id: str
    member: bool = True


@dataclass(frozen=True)
class ConsentCondition:
    channel: str


@dataclass(frozen=True)
class NotExcluded:
    """Not in the account's global exclusions (unsubscribed, bounced, …)."""


class GroupOp(StrEnum):
    AND = "and"
    OR = "or"


@dataclass(frozen=True)
class Group:
    op: GroupOp
    conditions: tuple[Condition, ...]


Condition = (
    Group | PropertyCondition | EventCondition | ListCondition | ConsentCondition | NotExcluded
)

CONSENT_PROPERTY = "$consent"
EMAIL_PROPERTY = "$email"


@dataclass(frozen=True, eq=False)
class Definition:
    """A checked definition. Compared by identity: compare `root`s for equal conditions."""

    root: Condition
    # What the definition reads, so the pipeline re-evaluates it only when one of these changes.
    properties: frozenset[str] = field(init=False)
    metrics: frozenset[str] = field(init=False)
    lists: frozenset[str] = field(init=False)
    uses_exclusions: bool = field(init=False)
    time_dependent: bool = field(init=False)

    def __post_init__(self) -> None:
        leaves = list(_leaves(self.root))
        properties = {c.property for c in leaves if isinstance(c, PropertyCondition)}
        if any(isinstance(c, ConsentCondition) for c in leaves):
            properties.add(CONSENT_PROPERTY)
        if any(isinstance(c, NotExcluded) for c in leaves):
            properties.add(EMAIL_PROPERTY)  # exclusions are kept by email address
        events = [c for c in leaves if isinstance(c, EventCondition)]
        object.__setattr__(self, "properties", frozenset(properties))
        object.__setattr__(self, "metrics", frozenset(c.metric for c in events))
        object.__setattr__(
            self, "lists", frozenset(c.list_id for c in leaves if isinstance(c, ListCondition))
        )
        object.__setattr__(self, "uses_exclusions", any(isinstance(c, NotExcluded) for c in leaves))
        object.__setattr__(self, "time_dependent", bool(self.relative_conditions))

    @cached_property
    def event_conditions(self) -> tuple[EventCondition, ...]:
        return tuple(c for c in _leaves(self.root) if isinstance(c, EventCondition))

    @cached_property
    def rising_metrics(self) -> frozenset[str]:
        """Metrics whose every condition is "at least": a new event can only make it true."""
        return self._metrics_where(lambda op: op is CountOp.AT_LEAST)

    @cached_property
    def falling_metrics(self) -> frozenset[str]:
        """Metrics whose every condition is "at most" or "never": a new event can only make
        it false."""
        return self._metrics_where(lambda op: op in (CountOp.AT_MOST, CountOp.NEVER))

    def _metrics_where(self, rule: Callable[[CountOp], bool]) -> frozenset[str]:
        conditions = self.event_conditions
        return frozenset(
            m for m in self.metrics if all(rule(c.op) for c in conditions if c.metric == m)
        )

    @cached_property
    def relative_conditions(self) -> tuple[PropertyCondition | EventCondition, ...]:
        """The conditions whose answer moves with time: "within the last N days"."""
        return tuple(c for c in _leaves(self.root) if _relative(c))


def _relative(condition: Condition) -> TypeGuard[PropertyCondition | EventCondition]:
    if isinstance(condition, PropertyCondition):
        return isinstance(condition.test, WithinLastDays)
    if isinstance(condition, EventCondition):
        return isinstance(condition.window, WithinLastDays) or any(
            isinstance(f.test, WithinLastDays) for f in condition.where
        )
    return False


def _leaves(condition: Condition) -> list[Condition]:
    if isinstance(condition, Group):
        return [leaf for child in condition.conditions for leaf in _leaves(child)]
    return [condition]


# --- parsing ----------------------------------------------------------------------------------


def check_definition(value: object) -> Definition:
    """Validate a definition given as parsed JSON; raises DefinitionError."""
    parser = _Parser()
    return Definition(parser.condition(value, "definition", 0))


_TEST_OPS = (
    "equals, not_equals, contains, starts_with, is_set, is_not_set, greater, less, between, "
    "in, before, after, within_last_days"
)
_COUNT_OPS = frozenset(op.value for op in CountOp)
_CONDITION_TYPES = "property, event, list, consent, not_excluded"


class _Parser:
    def __init__(self) -> None:
        self.count = 0

    def condition(self, value: object, where: str, depth: int) -> Condition:
        self.count += 1
        if self.count > MAX_CONDITIONS:
            raise DefinitionError(f"a definition holds at most {MAX_CONDITIONS} conditions")
        node = _object(value, where)
        groups = [op for op in GroupOp if op.value in node]
        if groups:
            return self.group(node, groups[0], where, depth)
        kind = node.get("type")
        if kind == "property":
            _only(node, where, "type", "property", "op", "value", "values", "days")
            return _property_condition(node, where)
        if kind == "event":
            return self.event(node, where)
        if kind == "list":
            _only(node, where, "type", "list_id", "op")
            op = node.get("op", "in")
            if op not in ("in", "not_in"):
                raise DefinitionError(f"{where}.op: must be 'in' or 'not_in'")
            list_id = _name(node, "list_id", where)
            if ids.decode("list", list_id) is None:
                raise DefinitionError(f"{where}.list_id: {list_id!r} is not a list id")
            return ListCondition(list_id, member=op == "in")
        if kind == "consent":
            _only(node, where, "type", "channel")
            channel = node.get("channel")
            if not isinstance(channel, str) or channel not in CHANNELS:
                raise DefinitionError(
                    f"{where}.channel: must be one of {', '.join(sorted(CHANNELS))}"
                )
            return ConsentCondition(channel)
        if kind == "not_excluded":
            _only(node, where, "type")
            return NotExcluded()
        raise DefinitionError(
            f"{where}: needs 'and' or 'or' (a list of conditions), or a 'type' among "
            f"{_CONDITION_TYPES}"
        )

    def group(self, node: Mapping[str, object], op: GroupOp, where: str, depth: int) -> Condition:
        if len(node) != 1:
            raise DefinitionError(f"{where}: a group holds only '{op}' and its list")
        if depth >= MAX_DEPTH:
            raise DefinitionError(f"{where}: groups nest at most {MAX_DEPTH} deep")
        children = node[op]
        if not isinstance(children, list) or not children:
            raise DefinitionError(f"{where}.{op}: must be a non-empty list of conditions")
        return Group(
            op,
            tuple(
                self.condition(child, f"{where}.{op}[{i}]", depth + 1)
                for i, child in enumerate(children)
            ),
        )

    def event(self, node: Mapping[str, object], where: str) -> EventCondition:
        _only(node, where, "type", "metric", "op", "count", "within_last_days", "between", "where")
        metric = _name(node, "metric", where)
        op_name = node.get("op", CountOp.AT_LEAST.value)
        if not isinstance(op_name, str) or op_name not in _COUNT_OPS:
            raise DefinitionError(f"{where}.op: must be one of {', '.join(CountOp)}")
        op = CountOp(op_name)
        if op is CountOp.NEVER:
            if "count" in node:
                raise DefinitionError(f"{where}.count: not used with 'never'")
            count = 0
        else:
            count = _whole(node.get("count", 1), f"{where}.count", low=0)
        window: EventWindow | None = None
        if "within_last_days" in node and "between" in node:
            raise DefinitionError(f"{where}: use either 'within_last_days' or 'between'")
        if "within_last_days" in node:
            days = _whole(node["within_last_days"], f"{where}.within_last_days", low=1)
            window = WithinLastDays(min(days, MAX_DAYS))
        elif "between" in node:
            start, end = _pair(node["between"], f"{where}.between", _date)
            window = DateRange(start, end)
        filters = node.get("where", [])
        if not isinstance(filters, list):
            raise DefinitionError(f"{where}.where: must be a list of property filters")
        where_conditions = []
        for i, item in enumerate(filters):
            place = f"{where}.where[{i}]"
            self.count += 1
            filter_node = _object(item, place)
            _only(filter_node, place, "property", "op", "value", "values", "days")
            where_conditions.append(_property_condition(filter_node, place))
        return EventCondition(metric, op, count, window, tuple(where_conditions))


def _property_condition(node: Mapping[str, object], where: str) -> PropertyCondition:
    name = _name(node, "property", where)
    op = node.get("op")
    place = f"{where}.value"
    test: Test
    if op in ("equals", "not_equals"):
        test = Equals(_scalar(node.get("value"), place), negated=op == "not_equals")
    elif op in ("contains", "starts_with"):
        text = node.get("value")
        if not isinstance(text, str) or not text:
            raise DefinitionError(f"{place}: must be a non-empty string")
        test = Text(TextOp(op), text)
    elif op in ("is_set", "is_not_set"):
        test = IsSet(negated=op == "is_not_set")
    elif op in ("greater", "less"):
        test = NumberCompare(NumberOp(op), _number(node.get("value"), place))
    elif op == "between":
        low, high = _pair(node.get("values"), f"{where}.values", _number)
        test = Between(low, high)
    elif op == "in":
        values = node.get("values")
        if not isinstance(values, list) or not 0 < len(values) <= MAX_LIST_VALUES:
            raise DefinitionError(
                f"{where}.values: must be a list of 1 to {MAX_LIST_VALUES} values"
            )
        test = InList(tuple(_scalar(v, f"{where}.values[{i}]") for i, v in enumerate(values)))
    elif op in ("before", "after"):
        test = DateCompare(DateOp(op), _date(node.get("value"), place))
    elif op == "within_last_days":
        test = WithinLastDays(min(_whole(node.get("days"), f"{where}.days", low=1), MAX_DAYS))
    else:
        raise DefinitionError(f"{where}.op: must be one of {_TEST_OPS}")
    return PropertyCondition(name, test)


def _object(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise DefinitionError(f"{where}: must be an object")
    return value


def _only(node: Mapping[str, object], where: str, *allowed: str) -> None:
    unknown = sorted(set(node) - set(allowed))
    if unknown:
        raise DefinitionError(f"{where}: unknown key {unknown[0]!r}")


def _name(node: Mapping[str, object], key: str, where: str) -> str:
    value = node.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        raise DefinitionError(f"{where}.{key}: must be a non-empty string")
    return value.strip() if key == "metric" else value


def _scalar(value: object, where: str) -> Scalar:
    if isinstance(value, str | bool):
        return value
    if isinstance(value, int | float):
        return _number(value, where)
    raise DefinitionError(f"{where}: must be a string, number or boolean")


def _number(value: object, where: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DefinitionError(f"{where}: must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise DefinitionError(f"{where}: must be a finite number")
    return value


def _whole(value: object, where: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise DefinitionError(f"{where}: must be a whole number ≥ {low}")
    return value


def _date(value: object, where: str) -> float:
    moment = as_moment(value) if isinstance(value, str | int | float) else None
    if moment is None:
        raise DefinitionError(f"{where}: must be an ISO date (2024-01-31) or unix seconds")
    return moment


def _pair(value: object, where: str, item: Callable[[object, str], float]) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise DefinitionError(f"{where}: must be a list of two values [low, high]")
    low, high = item(value[0], f"{where}[0]"), item(value[1], f"{where}[1]")
    if low > high:
        raise DefinitionError(f"{where}: the first value must not be above the second")
    return low, high
