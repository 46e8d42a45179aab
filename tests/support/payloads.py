"""Builders for Track & Identify requests as clients send them."""

from __future__ import annotations

import base64
from typing import Any

import orjson


def b64(payload: dict[str, Any] | bytes) -> str:
    raw = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    return base64.b64encode(raw).decode()


def track(
    token: str, event: str = "Placed Order", email: str = "a@example.com", **extra: Any
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "token": token,
        "event": event,
        "customer_properties": {"$email": email},
        "properties": {},
    }
    payload.update(extra)
    return payload


def identify(token: str, **properties: Any) -> dict[str, Any]:
    return {"token": token, "properties": properties}
