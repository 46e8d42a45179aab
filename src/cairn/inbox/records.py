"""What the inbox holds: one raw payload per record, exactly as ingest accepted it."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Kind(StrEnum):
    TRACK = "track"
    IDENTIFY = "identify"


KIND_BY_VALUE: dict[str, Kind] = {kind.value: kind for kind in Kind}


class InboxRecord(NamedTuple):
    """`note` is set on a payload that ingest answered `0` for but could attribute to an account:
    it is kept, with that reason, so the owner sees it among the rejected; it is never applied.

    A named tuple, not a frozen dataclass: one is built per request, several times faster, and
    its fields are in the order of the inbox table's columns."""

    kind: Kind
    account_id: int
    received_at: float
    partition: int
    payload: bytes
    note: str | None = None


class InboxEntry(NamedTuple):
    """A committed record, as the pipeline claims it (a tuple for the same reason)."""

    id: int
    kind: Kind
    account_id: int
    received_at: float
    payload: bytes
    note: str | None
