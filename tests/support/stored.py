"""What the pipeline stored, read back for assertions (tests only; the app reads through store/)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson

from cairn.store import Store

T = TypeVar("T")


@dataclass(frozen=True)
class StoredEvent:
    metric: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class StoredProfile:
    id: int
    properties: dict[str, Any]
    events: list[StoredEvent]

    def metrics(self) -> list[str]:
        return [event.metric for event in self.events]


def stored_profile(store: Store, account_id: int, kind: str, value: str) -> StoredProfile | None:
    """The profile holding identifier `kind`=`value`, with its events in order."""
    with store.read() as queries:
        profile = queries.profile_by_identifier(account_id, kind, value)
        if profile is None:
            return None
        rows = queries.all(
            "SELECT m.name, e.properties FROM events e JOIN metrics m ON m.id = e.metric_id"
            " WHERE e.account_id = ? AND e.profile_id = ? ORDER BY e.id",
            (account_id, profile.id),
        )
    events = [StoredEvent(name, orjson.loads(properties)) for name, properties in rows]
    return StoredProfile(profile.id, profile.properties, events)


def metric_count(store: Store, account_id: int, metric: str) -> int:
    with store.read() as queries:
        row = queries.one(
            "SELECT count(*) FROM events e JOIN metrics m ON m.id = e.metric_id"
            " WHERE e.account_id = ? AND m.name = ?",
            (account_id, metric),
        )
    return int(row[0])


def wait_for(probe: Callable[[], T | None], timeout: float = 10.0) -> T:
    """Poll `probe` until it returns something truthy (the worker applies asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing after {timeout}s (last: {result!r})")
        time.sleep(0.05)
