"""Turn the `data` of a Track/Identify request into a checked JSON object.

Pure functions: no I/O. Every refusal raises `Refused` with a reason that ingest counts and logs.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

MAX_PAYLOAD_BYTES = 1024 * 1024
MAX_DEPTH = 10
MAX_KEYS_PER_OBJECT = 300


class Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _b64decode(text: bytes) -> bytes:
    # A `+` that reached us unescaped in a query string was decoded to a space.
    text = text.strip().replace(b" ", b"+").translate(None, b"\r\n")
    text += b"=" * (-len(text) % 4)
    try:
        if b"-" in text or b"_" in text:
            return base64.urlsafe_b64decode(text)
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Refused("data is neither JSON nor base64") from None


def decode_data(data: bytes) -> tuple[bytes, dict[str, Any]]:
    """`data` holds raw JSON or base64 of it (standard or URL-safe, padding optional).

    Returns the JSON text and the object it holds; `check_payload` judges its content."""
    if len(data) > MAX_PAYLOAD_BYTES * 4 // 3 + 4:
        raise Refused("payload is over 1 MB")
    stripped = data.strip()
    if not stripped:
        raise Refused("data is empty")
    raw = stripped if stripped[:1] in (b"{", b"[") else _b64decode(stripped)
    return raw, parse_json_object(raw)


def parse_json_object(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise Refused("payload is over 1 MB")
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Refused("data is not valid JSON") from None
    if not isinstance(payload, dict):
        raise Refused("payload is not a JSON object")
    return payload


def may_exceed_shape(raw: bytes) -> bool:
    """False when the text alone proves the shape is within limits: nesting cannot be deeper
    than the count of `{` and `[`, nor an object hold more keys than there are `:`."""
    return raw.count(b"{") + raw.count(b"[") > MAX_DEPTH or raw.count(b":") > MAX_KEYS_PER_OBJECT


def check_shape(value: object) -> None:
    """Refuse nesting deeper than MAX_DEPTH and objects with more than MAX_KEYS_PER_OBJECT keys."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if len(node) > MAX_KEYS_PER_OBJECT:
                raise Refused(f"an object has more than {MAX_KEYS_PER_OBJECT} properties")
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > MAX_DEPTH:
            raise Refused(f"nesting is deeper than {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def token_of(payload: dict[str, Any]) -> str:
    token = payload.get("token")
    if not isinstance(token, str) or not token:
        raise Refused("token is missing")
    return token


def check_payload(kind: str, payload: dict[str, Any], raw: bytes | None = None) -> None:
    """Validate what ingest must see. Runs once the token is known, so that a refusal can be
    kept among the account's rejected payloads. `raw`, the JSON text of `payload` when known,
    spares the shape walk when the text already proves the limits hold."""
    if raw is None or may_exceed_shape(raw):
        check_shape(payload)
    if kind == "track":
        event = payload.get("event")
        if not isinstance(event, str) or not event.strip():
            raise Refused("event name is missing")
        for field in ("customer_properties", "properties"):
            if payload.get(field) is not None and not isinstance(payload[field], dict):
                raise Refused(f"{field} is not an object")
    elif payload.get("properties") is not None and not isinstance(payload["properties"], dict):
        raise Refused("properties is not an object")
