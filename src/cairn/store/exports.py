"""Reading events and profiles out in id order, a page at a time (keyset pagination), so an
export of any size runs in constant memory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from cairn.store.records import ProfileRow
from cairn.store.sql import _PROFILE_COLUMNS, Queries, profile_from_row


@dataclass(frozen=True)
class EventFilter:
    account_id: int
    metric: str | None = None
    since: int | None = None  # unix seconds, inclusive
    until: int | None = None  # unix seconds, exclusive


@dataclass(frozen=True, slots=True)
class ExportedEvent:
    id: int
    time: int
    metric: str
    profile_id: int
    email: str | None
    phone: str | None
    external_id: str | None
    value: float | None
    event_id: str
    properties: dict[str, Any]


def _where(selection: EventFilter) -> tuple[str, list[Any]]:
    clauses = ["e.account_id = ?"]
    params: list[Any] = [selection.account_id]
    if selection.metric is not None:
        clauses.append("m.name = ?")
        params.append(selection.metric)
    if selection.since is not None:
        clauses.append("e.time >= ?")
        params.append(selection.since)
    if selection.until is not None:
        clauses.append("e.time < ?")
        params.append(selection.until)
    return " AND ".join(clauses), params


def count_events(queries: Queries, selection: EventFilter) -> int:
    where, params = _where(selection)
    row = queries.one(
        f"SELECT count(*) FROM events e JOIN metrics m ON m.id = e.metric_id WHERE {where}",
        params,
    )
    return int(row[0])


def events_after(
    queries: Queries, selection: EventFilter, after_id: int, limit: int
) -> list[ExportedEvent]:
    where, params = _where(selection)
    rows = queries.all(
        "SELECT e.id, e.time, m.name, e.profile_id, p.email, p.phone, p.external_id, e.value,"
        " e.event_id, e.properties FROM events e"
        " JOIN metrics m ON m.id = e.metric_id"
        " JOIN profiles p ON p.id = e.profile_id"
        f" WHERE {where} AND e.id > ? ORDER BY e.id LIMIT ?",
        [*params, after_id, limit],
    )
    return [
        ExportedEvent(
            id=row[0],
            time=row[1],
            metric=row[2],
            profile_id=row[3],
            email=row[4],
            phone=row[5],
            external_id=row[6],
            value=row[7],
            event_id=row[8],
            properties=orjson.loads(row[9]),
        )
        for row in rows
    ]


def count_profiles(queries: Queries, account_id: int) -> int:
    row = queries.one(
        "SELECT count(*) FROM profiles WHERE account_id = ? AND merged_into IS NULL",
        (account_id,),
    )
    return int(row[0])


def profiles_after(
    queries: Queries, account_id: int, after_id: int, limit: int
) -> list[ProfileRow]:
    """Live profiles (not merged away) with id above `after_id`, in id order."""
    rows = queries.all(
        f"SELECT {_PROFILE_COLUMNS} FROM profiles WHERE account_id = ? AND merged_into IS NULL"
        " AND id > ? ORDER BY id LIMIT ?",
        (account_id, after_id, limit),
    )
    return [profile_from_row(row) for row in rows]
