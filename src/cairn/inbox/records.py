"""What the inbox holds: one raw payload per record, exactly as ingest accepted it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    TRACK = "track"
    IDENTIFY = "identify"


@dataclass(frozen=True, slots=True)
class InboxRecord:
    """`note` is set on a payload that ingest answered `0` for but could attribute to an account:
    it is kept, with that reason, so the owner sees it among the rejected; it is never applied."""

    kind: Kind
    account_id: int
    received_at: float
    partition: int
    payload: bytes
    note: str | None = None


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """A committed record, as the pipeline claims it."""

    id: int
    kind: Kind
    account_id: int
    received_at: float
    payload: bytes
    note: str | None
