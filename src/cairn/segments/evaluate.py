"""Whether a profile belongs to a segment, and when that answer could next change by itself.

Pure functions over plain values; they never raise, whatever JSON the properties hold.
A definition is compiled once into nested closures (kept while the definition lives), so the
pipeline's many evaluations pay for no dispatch on condition types.

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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from weakref import WeakKeyDictionary

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

Accept = Callable[[Mapping[str, object], float], bool]


class EventLog:
    """A profile's events grouped by metric. It remembers, per condition and instant, which
    events pass the condition's filters, so evaluating several segments (and `next_change`)
    over one profile filters each event once."""

    __slots__ = ("_by_metric", "_matches")

    def __init__(self, events: Iterable[EventFact]) -> None:
        self._by_metric: dict[str, list[EventFact]] = {}
        for event in events:
            self._by_metric.setdefault(event.metric, []).append(event)
        self._matches: dict[int, tuple[float, list[float]]] = {}

    def of(self, metric: str) -> list[EventFact]:
        return self._by_metric.get(metric, [])

    def matching(self, condition: EventCondition, now: float, accept: Accept | None) -> list[float]:
        """Times of the events of the condition's metric that `accept` (its filters) passes."""
        known = self._matches.get(id(condition))
        if known is not None and known[0] == now:
            return known[1]
        events = self.of(condition.metric)
        if accept is None:
            times = [e.time for e in events]
        else:
            times = [e.time for e in events if accept(e.properties, now)]
        self._matches[id(condition)] = (now, times)
        return times


Events = Sequence[EventFact] | EventLog


def evaluate(
    definition: Definition,
    profile: Mapping[str, object],
    events: Events,
    memberships: Memberships,
    now: float,
) -> bool:
    return evaluator(definition).evaluate(profile, _log(events), memberships, now)


def next_change(
    definition: Definition,
    profile: Mapping[str, object],
    events: Events,
    now: float,
) -> float | None:
    """The earliest instant after `now` at which a relative-time condition of the definition
    could change its answer with no new data, or None. (It may be earlier than the moment the
    whole definition changes: re-evaluating then simply finds the next one.)"""
    return evaluator(definition).next_change(profile, _log(events), now)


class Evaluator:
    """A definition compiled into closures; `evaluator(definition)` keeps one per definition."""

    __slots__ = ("__weakref__", "evaluate", "watchers")

    def __init__(self, definition: Definition) -> None:
        filters: dict[int, Accept | None] = {
            id(c): _accept(c.where) for c in definition.event_conditions
        }
        self.evaluate: Predicate = _condition(definition.root, filters)
        self.watchers = [
            _watcher(leaf, filters.get(id(leaf))) for leaf in definition.relative_conditions
        ]

    def next_change(
        self, profile: Mapping[str, object], events: EventLog, now: float
    ) -> float | None:
        instants = [instant for watch in self.watchers if (instant := watch(profile, events, now))]
        return min(instants, default=None)


_EVALUATORS: WeakKeyDictionary[Definition, Evaluator] = WeakKeyDictionary()


def evaluator(definition: Definition) -> Evaluator:
    found = _EVALUATORS.get(definition)
    if found is None:
        found = _EVALUATORS[definition] = Evaluator(definition)
    return found


def unchanged_by_new_events(definition: Definition, metrics: Iterable[str], member: bool) -> bool:
    """Whether new events of `metrics` (and no other change) surely leave the answer `member`
    as it is. The language has no negation, so a definition is monotone in each count: a
    member stays one when every touched metric only appears under "at least", a non-member
    stays out when every one only appears under "at most" / "never"."""
    metrics = set(metrics) & definition.metrics
    if not metrics:
        return True
    return metrics <= (definition.rising_metrics if member else definition.falling_metrics)


def _log(events: Events) -> EventLog:
    return events if isinstance(events, EventLog) else EventLog(events)


# --- compiling --------------------------------------------------------------------------------

Predicate = Callable[[Mapping[str, object], EventLog, Memberships, float], bool]
Check = Callable[[object, float], bool]


def _condition(condition: Condition, filters: dict[int, Accept | None]) -> Predicate:
    if isinstance(condition, Group):
        parts = [_condition(c, filters) for c in condition.conditions]
        return _all(parts) if condition.op is GroupOp.AND else _any(parts)
    if isinstance(condition, PropertyCondition):
        name, check = condition.property, _check(condition.test)
        return lambda p, e, m, now: check(_get(p, name), now)
    if isinstance(condition, EventCondition):
        return _event(condition, filters[id(condition)])
    if isinstance(condition, ListCondition):
        list_id, member = condition.list_id, condition.member
        return lambda p, e, m, now: (list_id in m.lists) == member
    if isinstance(condition, ConsentCondition):
        channel = condition.channel
        return lambda p, e, m, now: _has_consent(_get(p, CONSENT_PROPERTY), channel)
    if isinstance(condition, NotExcluded):
        return lambda p, e, m, now: not m.excluded
    raise TypeError(f"unknown condition {condition!r}")


# Plain loops: markedly faster than all()/any() over a generator on this hot path.
def _all(parts: list[Predicate]) -> Predicate:
    def every(p: Mapping[str, object], e: EventLog, m: Memberships, now: float) -> bool:
        for part in parts:  # noqa: SIM110
            if not part(p, e, m, now):
                return False
        return True

    return every


def _any(parts: list[Predicate]) -> Predicate:
    def some(p: Mapping[str, object], e: EventLog, m: Memberships, now: float) -> bool:
        for part in parts:  # noqa: SIM110
            if part(p, e, m, now):
                return True
        return False

    return some


def _accept(filters: tuple[PropertyCondition, ...]) -> Accept | None:
    """One function for an event condition's `where` filters (None when it has none)."""
    if not filters:
        return None
    checks = [(f.property, _check(f.test)) for f in filters]
    return lambda properties, now: all(check(_get(properties, n), now) for n, check in checks)


def _event(condition: EventCondition, accept: Accept | None) -> Predicate:
    matches = _count_rule(condition)
    window = condition.window

    def holds(p: Mapping[str, object], e: EventLog, m: Memberships, now: float) -> bool:
        times = e.matching(condition, now, accept)
        if window is None:
            return matches(len(times))
        if isinstance(window, DateRange):
            start, end = window.start, window.end
            return matches(sum(1 for t in times if start <= t <= end))
        low = now - window.days * DAY
        return matches(sum(1 for t in times if low < t <= now))

    return holds


def _count_rule(condition: EventCondition) -> Callable[[int], bool]:
    wanted = condition.count
    if condition.op is CountOp.AT_LEAST:
        return lambda count: count >= wanted
    if condition.op is CountOp.AT_MOST:
        return lambda count: count <= wanted
    return lambda count: count == wanted


def _check(test: Test) -> Check:
    """A value test; "not set" values fail every test but `is_not_set` and `not_equals`."""
    if isinstance(test, IsSet):
        negated = test.negated
        return lambda value, now: _is_set(value) != negated
    if isinstance(test, Equals):
        same, negated = _sameness(test.value), test.negated
        return lambda value, now: (_is_set(value) and same(value)) != negated
    positive = _positive_check(test)
    return lambda value, now: _is_set(value) and positive(value, now)


def _positive_check(test: Test) -> Check:
    if isinstance(test, Text):
        wanted, same = test.value.casefold(), _sameness(test.value)
        if test.op is TextOp.STARTS_WITH:
            return lambda value, now: isinstance(value, str) and value.casefold().startswith(wanted)

        def contains(value: object, now: float) -> bool:
            if isinstance(value, str):
                return wanted in value.casefold()
            return isinstance(value, list) and any(same(item) for item in value)

        return contains
    if isinstance(test, NumberCompare):
        limit = test.value
        if test.op is NumberOp.GREATER:
            return lambda value, now: (n := as_number(value)) is not None and n > limit
        return lambda value, now: (n := as_number(value)) is not None and n < limit
    if isinstance(test, Between):
        low, high = test.low, test.high
        return lambda value, now: (n := as_number(value)) is not None and low <= n <= high
    if isinstance(test, InList):
        sames = [_sameness(operand) for operand in test.values]
        return lambda value, now: any(same(value) for same in sames)
    if isinstance(test, DateCompare):
        moment = test.moment
        if test.op is DateOp.BEFORE:
            return lambda value, now: (t := as_moment(value)) is not None and t < moment
        return lambda value, now: (t := as_moment(value)) is not None and t > moment
    if isinstance(test, WithinLastDays):
        width = test.days * DAY
        return lambda value, now: (t := as_moment(value)) is not None and now - width < t <= now
    raise TypeError(f"unknown test {test!r}")


def _sameness(operand: Scalar) -> Callable[[object], bool]:
    """Equality with `operand` under the type rule."""
    if isinstance(operand, bool):
        return lambda value: _as_bool(value) == operand
    if isinstance(operand, str):
        folded, flag, number = operand.casefold(), _as_bool(operand), as_number(operand)

        def same_as_text(value: object) -> bool:
            if isinstance(value, str):
                return value.casefold() == folded
            if isinstance(value, bool):
                return flag is not None and value == flag
            return number is not None and as_number(value) == number

        return same_as_text

    def same_as_number(value: object) -> bool:
        if isinstance(value, bool):
            return False
        found = as_number(value)
        return found is not None and found == operand

    return same_as_number


def _get(properties: Mapping[str, object], name: str) -> object:
    return properties.get(name) if isinstance(properties, Mapping) else None


def _is_set(value: object) -> bool:
    return value is not None and value != ""


def _as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _has_consent(value: object, channel: str) -> bool:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return False
    return any(isinstance(item, str) and item.strip().casefold() == channel for item in value)


# --- when relative-time conditions change ------------------------------------------------------

Watcher = Callable[[Mapping[str, object], EventLog, float], float | None]


def _watcher(leaf: PropertyCondition | EventCondition, accept: Accept | None) -> Watcher:
    """For one relative-time condition: the next instant its answer could change."""
    if isinstance(leaf, PropertyCondition):
        name, test = leaf.property, leaf.test
        return lambda profile, events, now: _edge_after(_get(profile, name), test, now)
    relative = [f for f in leaf.where if isinstance(f.test, WithinLastDays)]
    if not relative:
        return lambda profile, events, now: _count_flip(
            leaf, events.matching(leaf, now, accept), now
        )

    def conservative(profile: Mapping[str, object], events: EventLog, now: float) -> float | None:
        # Which events match changes with time too: wake at every edge (rare).
        edges = [
            edge
            for event in events.of(leaf.metric)
            for f in relative
            if (edge := _edge_after(_get(event.properties, f.property), f.test, now)) is not None
        ]
        if isinstance(leaf.window, WithinLastDays):
            width = leaf.window.days * DAY
            times = events.matching(leaf, now, accept)
            edges += [e for time in times for e in (time, time + width) if e > now]
        return min(edges, default=None)

    return conservative


def _edge_after(value: object, test: Test, now: float) -> float | None:
    """For a within-last-days test: when a date value next enters or leaves the window."""
    moment = as_moment(value)
    if moment is None or not isinstance(test, WithinLastDays):
        return None
    return min((e for e in (moment, moment + test.days * DAY) if e > now), default=None)


def _count_flip(condition: EventCondition, times: list[float], now: float) -> float | None:
    """The first instant after `now` at which the windowed count crosses the condition."""
    if not times or not isinstance(condition.window, WithinLastDays):
        return None
    width = condition.window.days * DAY
    low = now - width
    inside = [time for time in times if low < time <= now]
    if len(inside) < len(times) and any(time > now for time in times):
        matches = _count_rule(condition)
        count = len(inside)
        return _flip_with_arrivals(matches, matches(count), count, times, width, now)
    # Only departures: after the k-th oldest leaves, at most count − k remain.
    count, wanted = len(inside), condition.count
    if condition.op is CountOp.AT_LEAST:
        departures = count - wanted + 1 if count >= wanted else 0
    elif condition.op is CountOp.AT_MOST:
        departures = count - wanted if count > wanted else 0
    elif count == wanted:
        departures = 1 if count else 0
    else:  # "exactly": true once the count lands on it, unless ties jump over it
        departures = count - wanted if count > wanted else 0
    if not 0 < departures <= count:  # e.g. "at least 0" holds for good
        return None
    inside.sort()
    instant = inside[departures - 1]
    if condition.op in (CountOp.EXACTLY, CountOp.NEVER) and count != wanted:
        remaining = count - sum(1 for time in inside if time <= instant)
        if remaining != wanted:
            return None
    return instant + width


def _flip_with_arrivals(
    matches: Callable[[int], bool],
    current: bool,
    count: int,
    times: list[float],
    width: float,
    now: float,
) -> float | None:
    """As `_count_flip`, when some events lie in the future and will enter the window."""
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
        if matches(count) != current:
            return instant
    return None
