"""Track and Identify payloads as the legacy endpoints read them: pure functions."""

from __future__ import annotations

import json
import time as _time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, Unpack

IDENTIFIER_KEYS = ("$email", "email", "$phone_number", "phone_number", "$id", "id", "$exchange_id")
TRACK_ONCE_KEY = "__track_once__"


class Who(TypedDict, total=False):
    """Identifiers given as arguments (added to the profile properties as `$` keys)."""

    email: str
    phone_number: str
    external_id: str


class TrackOptions(Who, total=False):
    # When it happened (unix seconds or a datetime); default: when `track` is called.
    time: float | datetime
    # Keep only the profile's first event of this metric.
    track_once: bool


@dataclass(frozen=True)
class Outgoing:
    """A payload ready to send: `kind` is track or identify, `data` the form field's value."""

    kind: str
    data: str
    event_id: str | None = None


def new_event_id() -> str:
    return uuid.uuid4().hex


def _unix_seconds(value: float | datetime | None) -> int:
    if value is None:
        return int(_time.time())
    if isinstance(value, datetime):
        return int(value.timestamp())
    return int(value)


def person_properties(properties: Mapping[str, Any] | None, who: Who) -> dict[str, Any]:
    """Properties with the identifiers given as arguments; raises when none identifies anyone."""
    merged = dict(properties or {})
    for key, name in (
        ("$email", "email"),
        ("$phone_number", "phone_number"),
        ("$id", "external_id"),
    ):
        value = who.get(name)
        if value is not None:
            merged[key] = value
    if not any(merged.get(key) not in (None, "") for key in IDENTIFIER_KEYS):
        raise ValueError("identify the person by email, phone_number, external_id or $exchange_id")
    return merged


def track_payload(
    token: str,
    event: str,
    customer_properties: Mapping[str, Any] | None = None,
    properties: Mapping[str, Any] | None = None,
    **options: Unpack[TrackOptions],
) -> dict[str, Any]:
    """A Track payload with a `$event_id` (generated when absent, so that every retry of this
    payload carries the same one and the server counts it once) and a `time` (the call's time
    when absent, so a queued event keeps when it happened)."""
    if not event or not event.strip():
        raise ValueError("event name is empty")
    event_properties = dict(properties or {})
    if event_properties.get("$event_id") in (None, ""):
        event_properties["$event_id"] = new_event_id()
    if options.get("track_once"):
        event_properties[TRACK_ONCE_KEY] = True
    return {
        "token": token,
        "event": event,
        "customer_properties": person_properties(customer_properties, options),
        "properties": event_properties,
        "time": _unix_seconds(options.get("time")),
    }


def identify_payload(
    token: str, properties: Mapping[str, Any] | None = None, **who: Unpack[Who]
) -> dict[str, Any]:
    return {"token": token, "properties": person_properties(properties, who)}


def encode(payload: Mapping[str, Any]) -> str:
    """The `data` form field: compact JSON (POST carries raw JSON, not base64)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str)


def _token(public_key: str | None) -> str:
    if not public_key:
        raise ValueError("Track and Identify need the public_key")
    return public_key


def outgoing_track(
    public_key: str | None,
    event: str,
    customer_properties: Mapping[str, Any] | None,
    properties: Mapping[str, Any] | None,
    options: TrackOptions,
) -> Outgoing:
    payload = track_payload(_token(public_key), event, customer_properties, properties, **options)
    return Outgoing("track", encode(payload), str(payload["properties"]["$event_id"]))


def outgoing_identify(
    public_key: str | None, properties: Mapping[str, Any] | None, who: Who
) -> Outgoing:
    return Outgoing("identify", encode(identify_payload(_token(public_key), properties, **who)))
