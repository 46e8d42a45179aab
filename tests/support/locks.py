"""Hold the inbox's write lock from outside, as a stuck writer would."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from cairn.store import Store
from cairn.store.postgres import PostgresStore
from cairn.store.sqlite import SqliteStore

Locker = sqlite3.Connection | psycopg.Connection[object]


@contextmanager
def inbox_write_lock(store: Store) -> Iterator[Locker]:
    """Yields the connection holding the lock; `release(connection)` ends it early."""
    connection: Locker
    if isinstance(store, SqliteStore):
        connection = sqlite3.connect(store.inbox_path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
    else:
        assert isinstance(store, PostgresStore)
        connection = psycopg.connect(store.database_url)
        connection.execute("LOCK TABLE inbox_records IN SHARE MODE")  # no row may be added
    try:
        yield connection
    finally:
        release(connection)
        connection.close()


def release(connection: Locker) -> None:
    if isinstance(connection, sqlite3.Connection):
        if connection.in_transaction:
            connection.execute("ROLLBACK")
    else:
        connection.rollback()
