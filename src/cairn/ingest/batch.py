"""Split a batch body into its payloads: a JSON array of objects, or NDJSON (one per line).

Pure functions: no I/O. A body that is neither raises `Malformed` (the whole request is refused);
a single bad item becomes an `Item` holding its refusal, judged on its own.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson

from cairn.ingest.decode import MAX_PAYLOAD_BYTES, Refused, parse_json_object

MAX_BATCH_ITEMS = 1000
MAX_BATCH_BYTES = 5 * 1024 * 1024


class Malformed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Item(NamedTuple):
    """One payload of a batch: its JSON text and object, or why it cannot be read."""

    raw: bytes
    payload: dict[str, Any] | None
    refused: str | None = None


def _item(raw: bytes) -> Item:
    try:
        return Item(raw, parse_json_object(raw))
    except Refused as refusal:
        return Item(raw, None, refusal.reason)


def _from_value(value: object) -> Item:
    if not isinstance(value, dict):
        return Item(b"", None, "payload is not a JSON object")
    raw = orjson.dumps(value)
    if len(raw) > MAX_PAYLOAD_BYTES:
        return Item(b"", None, "payload is over 1 MB")
    return Item(raw, value)


def _check_count(count: int) -> None:
    if count > MAX_BATCH_ITEMS:
        raise Malformed(f"a batch holds at most {MAX_BATCH_ITEMS} payloads, this one {count}")
    if count == 0:
        raise Malformed("the batch is empty")


def split_ndjson(body: bytes) -> list[Item]:
    """One payload per non-blank line; an item's index counts non-blank lines only."""
    lines = [line for line in body.split(b"\n") if line.strip()]
    _check_count(len(lines))
    return [_item(line) for line in lines]


def split_array(body: bytes) -> list[Item]:
    try:
        values = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Malformed("body is neither a JSON array nor NDJSON") from None
    if not isinstance(values, list):
        raise Malformed("body is not a JSON array of payloads")
    _check_count(len(values))
    return [_from_value(value) for value in values]


def split_batch(body: bytes, content_type: str) -> list[Item]:
    """NDJSON when the content type says so or the body does not start with `[`."""
    if content_type.startswith(("application/x-ndjson", "application/jsonl")):
        return split_ndjson(body)
    if body.lstrip()[:1] == b"[":
        return split_array(body)
    if body.lstrip()[:1] == b"{":
        return split_ndjson(body)
    raise Malformed("body is neither a JSON array nor NDJSON")
