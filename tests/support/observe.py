"""Watching a live server's store from the test process (SQLite in WAL mode allows it)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from cairn.store import Store, open_store
from cairn.store.admin import AccountCounts, account_counts
from support.live import LiveServer

T = TypeVar("T")
DEMO_ACCOUNT = 1


@contextmanager
def store_of(server: LiveServer) -> Iterator[Store]:
    store = open_store(server.store_url)
    try:
        yield store
    finally:
        store.close()


def wait_for(probe: Callable[[], T], done: Callable[[T], bool], timeout: float = 15.0) -> T:
    """Calls `probe` until `done` holds of its result; returns that result (or fails)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; last value {value!r}")
        time.sleep(0.05)


def counts(store: Store, account_id: int = DEMO_ACCOUNT) -> AccountCounts:
    with store.read() as queries:
        return account_counts(queries, account_id)


def settled(store: Store, events: int, account_id: int = DEMO_ACCOUNT) -> AccountCounts:
    """Waits until the inbox is applied and the account holds `events` events."""
    return wait_for(
        lambda: (store.inbox_depth(), counts(store, account_id)),
        lambda seen: seen[0] == 0 and seen[1].events == events,
    )[1]
