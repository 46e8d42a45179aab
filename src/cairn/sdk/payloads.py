"""Track and Identify payloads as the legacy endpoints read them: pure functions."""

from __future__ import annotations

import json
import time as _time
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

IDENTIFIER_KEYS = ("$email", "email", "$phone_number", "phone_number", "$id", "id", "$exchange_id")
TRACK_ONCE_KEY = "__track_once__"


def new_event_id() -> str:
    return uuid.uuid4().hex


def _unix_seconds(value: float | datetime | None) -> int:
    if value is None:
        return int(_time.time())
    if isinstance(value, datetime):
        return int(value.timestamp())
    return int(value)


def person_properties(
    properties: Mapping[str, Any] | None,
    email: str | None,
    phone_number: str | None,
    external_id: str | None,
) -> dict[str, Any]:
    """Properties with the identifiers given as arguments; raises when none identifies anyone."""
    merged = dict(properties or {})
    for key, value in (("$email", email), ("$phone_number", phone_number), ("$id", external_id)):
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
    *,
    email: str | None = None,
    phone_number: str | None = None,
    external_id: str | None = None,
    time: float | datetime | None = None,
    track_once: bool = False,
    ip: str | None = None,
) -> dict[str, Any]:
    """A Track payload with a `$event_id` (generated when absent, so that every retry of this
    payload carries the same one and the server counts it once) and a `time` (the call's time
    when absent, so a queued event keeps when it happened)."""
    if not event or not event.strip():
        raise ValueError("event name is empty")
    event_properties = dict(properties or {})
    if event_properties.get("$event_id") in (None, ""):
        event_properties["$event_id"] = new_event_id()
    if track_once:
        event_properties[TRACK_ONCE_KEY] = True
    payload: dict[str, Any] = {
        "token": token,
        "event": event,
        "customer_properties": person_properties(
            customer_properties, email, phone_number, external_id
        ),
        "properties": event_properties,
        "time": _unix_seconds(time),
    }
    if ip is not None:
        payload["ip"] = ip
    return payload


def identify_payload(
    token: str,
    properties: Mapping[str, Any] | None = None,
    *,
    email: str | None = None,
    phone_number: str | None = None,
    external_id: str | None = None,
) -> dict[str, Any]:
    return {
        "token": token,
        "properties": person_properties(properties, email, phone_number, external_id),
    }


def encode(payload: Mapping[str, Any]) -> str:
    """The `data` form field: compact JSON (POST carries raw JSON, not base64)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str)
