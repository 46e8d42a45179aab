"""Event rules: time parsing, `$value`, the dedupe key, `__track_once__` and the metric cap."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from cairn.pipeline.rejections import Rejected

MAX_METRICS_PER_ACCOUNT = 200
TRACK_ONCE_KEY = "__track_once__"
EARLIEST_TIME = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp())
LATEST_AHEAD = 366 * 24 * 3600


@dataclass(frozen=True)
class EventDraft:
    """A validated event, ready to be stored once its profile and metric are known."""

    metric: str
    time: int
    value: float | None
    event_id: str
    properties: dict[str, object]
    track_once: bool


def parse_event_time(value: object, received_at: float) -> int:
    """`time` as unix seconds: int, float or numeric string; absent or null means received time."""
    if value is None or value == "":
        return int(received_at)
    if isinstance(value, bool):
        raise Rejected("time is not a unix timestamp")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise Rejected("time is not a unix timestamp") from None
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise Rejected("time is not a unix timestamp")
    seconds = int(value)
    if seconds < EARLIEST_TIME or seconds > received_at + LATEST_AHEAD:
        raise Rejected("time is outside 2000-01-01 … one year from now")
    return seconds


def parse_value(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise Rejected("$value is not numeric")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise Rejected("$value is not numeric") from None
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise Rejected("$value is not numeric")
    return float(value)


def event_id_of(properties: Mapping[str, object], time: int) -> str:
    """The dedupe id: `$event_id` when given, else the event's second."""
    given = properties.get("$event_id")
    if given is None or given == "" or isinstance(given, dict | list):
        return str(time)
    return str(given)


def build_event(payload: Mapping[str, object], received_at: float) -> EventDraft:
    name = payload.get("event")
    if not isinstance(name, str) or not name.strip():
        raise Rejected("event name is missing")
    raw_properties = payload.get("properties")
    if raw_properties is None:
        raw_properties = {}
    if not isinstance(raw_properties, dict):
        raise Rejected("properties is not an object")
    properties = dict(raw_properties)
    track_once = bool(properties.pop(TRACK_ONCE_KEY, False))
    time = parse_event_time(payload.get("time"), received_at)
    value = parse_value(properties.get("$value"))
    return EventDraft(
        metric=name.strip(),
        time=time,
        value=value,
        event_id=event_id_of(properties, time),
        properties=properties,
        track_once=track_once,
    )


def check_metric_allowed(metric_count: int) -> None:
    """Called before creating a new metric for an account that already has `metric_count`."""
    if metric_count >= MAX_METRICS_PER_ACCOUNT:
        raise Rejected(f"account already has {MAX_METRICS_PER_ACCOUNT} metrics")
