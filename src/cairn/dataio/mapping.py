"""File rows to Track/Identify payloads, checked by the pipeline's own rules: pure functions.

A row is a flat record (CSV) or an object (JSONL). After `--map SRC=DEST` renames (an empty
DEST drops the column), columns are read as:

- `event` / `metric`: the event name (else `--metric`); `time` / `timestamp` / `datetime`:
  unix seconds or ISO 8601 (UTC unless it says otherwise); kept, so history is backfilled;
- identifiers `$email`/`email`, `$phone_number`/`phone_number`/`phone`, `$id`/`id`/`external_id`,
  `$exchange_id`/`exchange_id`; `profile.NAME`: a profile property;
- `$value`/`value`, `$event_id`/`event_id`; `properties` / `customer_properties`: objects (or
  JSON text) merged in; columns named `cairn_*` (export bookkeeping) are ignored;
- any other column: an event property (events) or a profile property (profiles).

A track row without `$event_id` gets one derived from its content, so importing the same file
again, or resuming after a crash, stores each event once."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from cairn.ingest.decode import MAX_KEYS_PER_OBJECT, Refused, check_shape
from cairn.pipeline.events import parse_event_time, parse_value
from cairn.pipeline.identity import extract_identifiers
from cairn.pipeline.rejections import Rejected

NO_IDENTIFIER = "no identifier ($email, $phone_number, $id or $exchange_id)"
IGNORED_PREFIX = "cairn_"
PROFILE_PREFIX = "profile."
EVENT_NAME_KEYS = frozenset({"event", "metric"})
TIME_KEYS = frozenset({"time", "timestamp", "datetime"})
ALIASES = {
    "email": "$email",
    "phone_number": "$phone_number",
    "phone": "$phone_number",
    "id": "$id",
    "external_id": "$id",
    "exchange_id": "$exchange_id",
}
IDENTIFIER_KEYS = frozenset({*ALIASES, *ALIASES.values()})
EVENT_ALIASES = {"value": "$value", "event_id": "$event_id"}
NESTED = frozenset({"properties", "customer_properties"})


class RowRejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_renames(pairs: Sequence[str]) -> dict[str, str]:
    """`["Email Address=$email", "internal="]` → {"Email Address": "$email", "internal": ""}."""
    renames: dict[str, str] = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source:
            raise ValueError(f"--map takes SOURCE=TARGET (an empty TARGET drops it), not {pair!r}")
        renames[source] = target
    return renames


def parse_time(value: object) -> object:
    """ISO 8601 text → unix seconds; anything else is left for the event rules to judge."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        float(text)
        return text
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _object(value: object, name: str) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise RowRejected(f"{name} is not a JSON object") from None
    if not isinstance(value, dict):
        raise RowRejected(f"{name} is not a JSON object")
    return value


def _columns(values: Mapping[str, Any], renames: Mapping[str, str]) -> tuple[dict[str, Any], bool]:
    """The renamed columns, and whether any value is an object or a list."""
    columns: dict[str, Any] = {}
    nested = False
    for key, value in values.items():
        key = renames.get(key, key)
        if key and not key.startswith(IGNORED_PREFIX):
            columns[key] = value
            nested = nested or isinstance(value, dict | list)
    return columns, nested


def content_event_id(payload: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return "import-" + digest[:32]


def _check(payload: dict[str, Any], person: Mapping[str, Any], nested: bool) -> None:
    """The ingest shape limits (walked only when the row had nested values: a flat row's
    payload is two levels deep, so only its property counts can break them) and an identifier."""
    try:
        if nested:
            check_shape(payload)
        else:
            for part in payload.values():
                if isinstance(part, dict) and len(part) > MAX_KEYS_PER_OBJECT:
                    check_shape(part)
    except Refused as refusal:
        raise RowRejected(refusal.reason) from None
    if not extract_identifiers(person):
        raise RowRejected(NO_IDENTIFIER)


def event_payload(
    values: Mapping[str, Any],
    renames: Mapping[str, str],
    metric: str | None,
    now: float,
) -> dict[str, Any]:
    """A Track payload (without token); RowRejected with the reason the pipeline would give."""
    columns, nested = _columns(values, renames)
    person: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    if "customer_properties" in columns:
        person.update(_object(columns["customer_properties"], "customer_properties"))
    if "properties" in columns:
        properties.update(_object(columns["properties"], "properties"))
    event: object = metric
    moment: object = None
    for key, value in columns.items():
        if key in EVENT_NAME_KEYS:
            event = value
        elif key in TIME_KEYS:
            moment = parse_time(value)
        elif key in IDENTIFIER_KEYS:
            person[ALIASES.get(key, key)] = value
        elif key.startswith(PROFILE_PREFIX):
            person[key.removeprefix(PROFILE_PREFIX)] = value
        elif key not in NESTED:
            properties[EVENT_ALIASES.get(key, key)] = value
    payload: dict[str, Any] = {
        "event": event,
        "customer_properties": person,
        "properties": properties,
    }
    if moment is not None:
        payload["time"] = moment
    _check(payload, person, nested or not NESTED.isdisjoint(columns))
    if not isinstance(event, str) or not event.strip():
        raise RowRejected("event name is missing")
    try:
        parse_event_time(moment, now)
        parse_value(properties.get("$value"))
    except Rejected as rejection:
        raise RowRejected(rejection.reason) from None
    if properties.get("$event_id") in (None, ""):
        properties["$event_id"] = content_event_id(payload)
    return payload


def profile_payload(values: Mapping[str, Any], renames: Mapping[str, str]) -> dict[str, Any]:
    """An Identify payload (without token)."""
    columns, nested = _columns(values, renames)
    properties: dict[str, Any] = {}
    if "properties" in columns:
        properties.update(_object(columns["properties"], "properties"))
    for key, value in columns.items():
        if key in IDENTIFIER_KEYS:
            properties[ALIASES.get(key, key)] = value
        elif key.startswith(PROFILE_PREFIX):
            properties[key.removeprefix(PROFILE_PREFIX)] = value
        elif key not in NESTED:
            properties[key] = value
    payload: dict[str, Any] = {"properties": properties}
    _check(payload, properties, nested or not NESTED.isdisjoint(columns))
    return payload
