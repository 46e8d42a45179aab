"""Metric export rules: parameters, time buckets and aggregation. Pure functions, no I/O.

Days are UTC days numbered from the unix epoch (`time // 86400`), as the rollups store them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

from cairn.checks import Invalid
from cairn.store.records import DailyTotal, EventGroup

EPOCH = date(1970, 1, 1)
UNITS = ("day", "week", "month")
MEASUREMENTS = ("count", "unique", "value", "sum")
MAX_SPAN_DAYS = 31
DEFAULT_SPAN_DAYS = 30
MAX_SEGMENTS = 1000
DEFAULT_SEGMENTS = 25
_UNIX = re.compile(r"^\d{9,11}$")


@dataclass(frozen=True)
class ExportQuery:
    first_day: int
    last_day: int
    unit: str
    measurement: str  # count | unique | value | sum
    sum_property: str | None  # set for ["sum", "Prop"]
    where: tuple[str, object] | None  # (property, value): property = value
    by: str | None
    count: int

    @property
    def needs_events(self) -> bool:
        """Rollups hold counts, $value sums and profiles per day; anything else scans events."""
        return self.where is not None or self.by is not None or self.sum_property is not None

    def measurement_echo(self) -> object:
        return ["sum", self.sum_property] if self.sum_property else self.measurement


@dataclass(frozen=True)
class Bucket:
    first_day: int
    last_day: int


def day_number(value: date) -> int:
    return (value - EPOCH).days


def day_label(day: int) -> str:
    return f"{EPOCH + timedelta(days=day)} 00:00:00"


def parse_date(name: str, value: object) -> int:
    """`YYYY-MM-DD` or unix seconds → UTC day number."""
    text = str(value).strip()
    if _UNIX.match(text):
        return int(text) // 86400
    try:
        return day_number(date.fromisoformat(text))
    except ValueError:
        raise Invalid(f"{name} must be YYYY-MM-DD or a unix timestamp") from None


def _json_param(name: str, value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        raise Invalid(f"{name} is not valid JSON") from None


def parse_measurement(value: object) -> tuple[str, str | None]:
    if value is None or value == "":
        return "count", None
    if isinstance(value, str) and value in MEASUREMENTS:
        return value, None
    parsed = _json_param("measurement", value) if not isinstance(value, list) else value
    if (
        isinstance(parsed, list)
        and len(parsed) == 2
        and parsed[0] == "sum"
        and isinstance(parsed[1], str)
        and parsed[1]
    ):
        return "sum", parsed[1]
    raise Invalid('measurement must be count, unique, value, sum or ["sum", "PropertyName"]')


def parse_where(value: object) -> tuple[str, object] | None:
    if value is None or value == "":
        return None
    parsed = _json_param("where", value)
    message = 'where must be a JSON list of at most one ["property", "=", value] condition'
    if not isinstance(parsed, list) or len(parsed) > 1:
        raise Invalid(message)
    if not parsed:
        return None
    condition = parsed[0]
    if (
        not isinstance(condition, list)
        or len(condition) != 3
        or not isinstance(condition[0], str)
        or not condition[0]
        or condition[1] != "="
        or isinstance(condition[2], dict | list)
    ):
        raise Invalid(message)
    return condition[0], condition[2]


def parse_count(value: object) -> int:
    if value is None or value == "":
        return DEFAULT_SEGMENTS
    try:
        count = int(str(value))
    except ValueError:
        raise Invalid("count must be an integer") from None
    if not 1 <= count <= MAX_SEGMENTS:
        raise Invalid(f"count must be between 1 and {MAX_SEGMENTS}")
    return count


def check_export_params(params: Mapping[str, Any], today: int) -> ExportQuery:
    """Validate export parameters; `today` is the current UTC day number."""
    start, end = params.get("start_date"), params.get("end_date")
    if (start in (None, "")) != (end in (None, "")):
        raise Invalid("start_date and end_date must be given together")
    if start in (None, ""):
        first_day, last_day = today - DEFAULT_SPAN_DAYS, today
    else:
        first_day, last_day = parse_date("start_date", start), parse_date("end_date", end)
    if last_day < first_day:
        raise Invalid("end_date is before start_date")
    if last_day - first_day > MAX_SPAN_DAYS:
        raise Invalid(f"end_date may be at most {MAX_SPAN_DAYS} days after start_date")
    unit = params.get("unit") or "day"
    if unit not in UNITS:
        raise Invalid("unit must be day, week or month")
    measurement, sum_property = parse_measurement(params.get("measurement"))
    where = parse_where(params.get("where"))
    by = params.get("by") or None
    if by is not None and not isinstance(by, str):
        raise Invalid("by must be a property name")
    if where is not None and by is not None:
        raise Invalid("where and by cannot be used together")
    return ExportQuery(
        first_day,
        last_day,
        str(unit),
        measurement,
        sum_property,
        where,
        by,
        parse_count(params.get("count")),
    )


def _period_start(day: int, unit: str) -> int:
    if unit == "week":
        return day - (day + 3) % 7  # day 0 was a Thursday; weeks start on Monday
    if unit == "month":
        return day_number((EPOCH + timedelta(days=day)).replace(day=1))
    return day


def buckets(first_day: int, last_day: int, unit: str) -> list[Bucket]:
    """Calendar periods (UTC days, Monday weeks, months) covering the span, clipped to it."""
    found: list[Bucket] = []
    for day in range(first_day, last_day + 1):
        if found and _period_start(day, unit) == _period_start(found[-1].first_day, unit):
            found[-1] = Bucket(found[-1].first_day, day)
        else:
            found.append(Bucket(day, day))
    return found


def series(buckets_: list[Bucket], value_of: Callable[[Bucket], float]) -> list[dict[str, Any]]:
    return [{"date": day_label(b.first_day), "values": [float(value_of(b))]} for b in buckets_]


def from_totals(
    query: ExportQuery, spans: list[Bucket], totals: Iterable[DailyTotal]
) -> list[dict[str, Any]]:
    """The series for count / value / sum measurements, from daily rollups."""
    by_day = {total.day: total for total in totals}

    def value_of(bucket: Bucket) -> float:
        days = [by_day[d] for d in range(bucket.first_day, bucket.last_day + 1) if d in by_day]
        if query.measurement == "count":
            return sum(t.event_count for t in days)
        return round(sum(t.value_sum for t in days), 6)

    return series(spans, value_of)


def _number(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return 0.0
    return 0.0


def measure(query: ExportQuery, groups: list[EventGroup]) -> float:
    if query.measurement == "count":
        return sum(group.count for group in groups)
    if query.measurement == "unique":
        return len({group.profile_id for group in groups})
    if query.sum_property is not None:
        return round(
            sum(_number(g.properties.get(query.sum_property)) * g.count for g in groups), 6
        )
    return round(sum(group.value_sum for group in groups), 6)


def segment_name(value: object) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def export_keys(query: ExportQuery) -> list[str]:
    """The event properties an export that rollups cannot answer looks up."""
    keys = (query.where[0] if query.where else None, query.by, query.sum_property)
    return list(dict.fromkeys(key for key in keys if key is not None))


def rollup_key(query: ExportQuery) -> str | None:
    """The one property whose daily rollups can answer an export that needs events: counts and
    sums (not profiles) filtered, split or summed by that single property."""
    keys = export_keys(query)
    return keys[0] if len(keys) == 1 and query.measurement != "unique" else None


def from_event_groups(
    query: ExportQuery, metric_name: str, spans: list[Bucket], groups: Iterable[EventGroup]
) -> list[dict[str, Any]]:
    """Results (one per segment) computed from grouped events, for where / by / sum of a
    property."""
    segments: dict[str, dict[int, list[EventGroup]]] = {}
    for group in groups:
        if query.where is not None:
            key, expected = query.where
            if key not in group.properties or group.properties[key] != expected:
                continue
        if query.by is not None:
            if query.by not in group.properties:
                continue
            name = segment_name(group.properties[query.by])
        else:
            name = metric_name
        segments.setdefault(name, {}).setdefault(group.day, []).append(group)
    if query.by is None:
        segments.setdefault(metric_name, {})

    def size(item: tuple[str, dict[int, list[EventGroup]]]) -> tuple[int, str]:
        return -sum(group.count for day in item[1].values() for group in day), item[0]

    results = []
    for name, by_day in sorted(segments.items(), key=size)[: query.count]:

        def value_of(bucket: Bucket, by_day: dict[int, list[EventGroup]] = by_day) -> float:
            days = range(bucket.first_day, bucket.last_day + 1)
            picked = [group for day in days for group in by_day.get(day, [])]
            return measure(query, picked)

        results.append({"segment": name, "data": series(spans, value_of)})
    return results


def today_day(now: float) -> int:
    return day_number(datetime.fromtimestamp(now, UTC).date())
