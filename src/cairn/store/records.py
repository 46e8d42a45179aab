"""Rows the store hands out."""

from __future__ import annotations

from dataclasses import dataclass

from cairn.pipeline.identity import Identifiers


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    name: str
    public_key: str
    created_at: float


@dataclass(slots=True)
class ProfileRow:
    id: int
    account_id: int
    identifiers: Identifiers
    properties: dict[str, object]
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    metric: str
    profile_id: int
    time: int
    value: float | None
    event_id: str
    properties: dict[str, object]


@dataclass(frozen=True, slots=True)
class Rejection:
    id: int
    account_id: int | None
    kind: str
    payload: str
    reason: str
    received_at: float
    rejected_at: float
