"""Request parameters shared by many routes, and the three legacy pagination styles:
page/offset (`$list` envelopes), timeline cursors (`next`) and markers (`marker`)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from cairn.api import ids
from cairn.api.call import Call
from cairn.api.errors import ApiError
from cairn.checks import Invalid

_TOKEN = re.compile(r"^(\d{1,12})-([0-9A-Za-z]+)$")
_UUID1_EPOCH = 0x01B21DD213814000  # 100 ns intervals from 1582-10-15 to 1970-01-01
FAR = 2**62
T = TypeVar("T")


def int_field(call: Call, name: str, default: int, low: int, high: int) -> int:
    value = call.field(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Invalid(f"{name} must be an integer")
    try:
        number = int(value)
    except ValueError:
        raise Invalid(f"{name} must be an integer") from None
    if not low <= number <= high:
        raise Invalid(f"{name} must be between {low} and {high}")
    return number


def choice_field(call: Call, name: str, choices: tuple[str, ...]) -> str:
    """One of `choices`; the first is the default."""
    value = call.text(name)
    if value is None or value == "":
        return choices[0]
    if value not in choices:
        raise Invalid(f"{name} must be one of: {', '.join(choices)}")
    return value


def public_id(call: Call, kind: str, name: str) -> int | None:
    """The integer id behind a public id path parameter (None when it cannot be one)."""
    return ids.decode(kind, call.path[name])


def found(
    call: Call, kind: str, name: str, fetch: Callable[[int, int], T | None], missing: ApiError
) -> T:
    """The account's object named by path parameter `name` (a `kind` id), or `missing`."""
    number = public_id(call, kind, name)
    row = fetch(call.account_id, number) if number else None
    if row is None:
        raise missing
    return row


# --- page/offset -------------------------------------------------------------------------------


def page_params(call: Call, default_count: int, max_count: int) -> tuple[int, int]:
    """(page, count): `page` is 0-based."""
    return (
        int_field(call, "page", 0, 0, 1_000_000),
        int_field(call, "count", default_count, 1, max_count),
    )


def page_envelope(data: list[Any], page: int, page_size: int, total: int) -> dict[str, Any]:
    """`end` is the inclusive index of the last item, so `end < total - 1` means more pages."""
    start = page * page_size
    return {
        "object": "$list",
        "page": page,
        "start": start,
        "end": start + max(len(data), 1) - 1,
        "page_size": page_size,
        "total": total,
        "data": data,
    }


# --- timeline cursor ---------------------------------------------------------------------------


def parse_since(since: str | None, ascending: bool, now: float) -> tuple[int, int]:
    """A timeline position from `since`: unix seconds, a `next` token ("TIME-EVENTID"), or an
    older UUID-1 token (its time is used). Returns (time, event id) to read past."""
    if since is None or since == "":
        return int(now), FAR
    since = since.strip()
    if since.isdigit():
        seconds = int(since)
        return (seconds, -1) if ascending else (seconds, FAR)
    match = _TOKEN.match(since)
    if match:
        event_id = ids.decode("event", match.group(2))
        if event_id is not None:
            return int(match.group(1)), event_id
    try:
        token = uuid.UUID(since)
    except ValueError:
        raise Invalid("since must be a unix timestamp or a next token") from None
    if token.version != 1:
        raise Invalid("since must be a unix timestamp or a next token")
    seconds = (token.time - _UUID1_EPOCH) // 10_000_000
    return (seconds, -1) if ascending else (seconds, FAR)


def next_token(time: int, event_id: int) -> str:
    return f"{time}-{ids.encode('event', event_id)}"


# --- marker ------------------------------------------------------------------------------------


def marker_field(call: Call) -> int:
    return int_field(call, "marker", 0, 0, FAR)


def marker_page(records: list[dict[str, Any]], next_marker: int | None) -> dict[str, Any]:
    """`marker` is left out on the last page."""
    page: dict[str, Any] = {"records": records}
    if next_marker is not None:
        page["marker"] = next_marker
    return page
