"""Hold the embedded inbox's write lock from outside, as a stuck writer would."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from cairn.store import Store
from cairn.store.sqlite import SqliteStore


@contextmanager
def inbox_write_lock(store: Store) -> Iterator[sqlite3.Connection]:
    """Yields the connection holding the lock; `release(connection)` ends it early."""
    if not isinstance(store, SqliteStore):
        pytest.skip("holds an SQLite file lock")
    connection = sqlite3.connect(store.inbox_path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    finally:
        release(connection)
        connection.close()


def release(connection: sqlite3.Connection) -> None:
    if connection.in_transaction:
        connection.execute("ROLLBACK")
