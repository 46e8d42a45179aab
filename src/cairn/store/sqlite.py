"""The embedded backend: SQLite in WAL mode, the store and the inbox in two files."""

from __future__ import annotations

import fcntl
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cairn.inbox.records import InboxEntry, InboxRecord
from cairn.store.base import StoreUnavailable
from cairn.store.migrations import migration_scripts
from cairn.store.sql import Queries, inbox_entry

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 2000
TRIM_SLICE = 500
TRIM_WAIT_MS = 5


def _json_property(key: str) -> tuple[str, str] | None:
    """`properties -> '$."key"'`; SQLite's quoted path labels end at the next `"` and know no
    escapes, so a key holding `"` or `\\` is left to the caller."""
    if '"' in key or "\\" in key:
        return None
    return "properties -> ?", f'$."{key}"'


def _same(statement: str) -> str:
    return statement


def _connect(path: Path, synchronous: str, cached_statements: int = 128) -> sqlite3.Connection:
    connection = sqlite3.connect(
        path,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
        cached_statements=cached_statements,
    )
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute(f"PRAGMA synchronous = {synchronous}")
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def _migrate(connection: sqlite3.Connection, folder: str) -> list[int]:
    connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
        " applied_at REAL NOT NULL)"
    )
    done = {row[0] for row in connection.execute("SELECT version FROM schema_migrations")}
    applied = []
    for version, script in migration_scripts(folder):
        if version in done:
            continue
        connection.execute("BEGIN IMMEDIATE")
        try:
            for statement in script.split(";\n"):
                if statement.strip():
                    connection.execute(statement)
            connection.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                (version, time.time()),
            )
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied


_TRANSIENT = ("locked", "busy", "disk", "full", "unable to open")


def _is_transient(error: sqlite3.Error) -> bool:
    """Lock time-outs and I/O trouble pass; a bad statement is a bug and must not be retried."""
    message = str(error).lower()
    return any(word in message for word in _TRANSIENT)


@contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Cursor]:
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as error:
        raise StoreUnavailable(str(error)) from error
    cursor = connection.cursor()
    try:
        yield cursor
    except sqlite3.OperationalError as error:
        connection.execute("ROLLBACK")
        if _is_transient(error):
            raise StoreUnavailable(str(error)) from error
        raise
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    try:
        connection.execute("COMMIT")
    except sqlite3.OperationalError as error:
        connection.execute("ROLLBACK")
        raise StoreUnavailable(str(error)) from error


_INSERT_RECORDS = (
    "INSERT INTO records (kind, account_id, received_at, partition, payload, note) VALUES "
)
_MAX_ROWS_PER_INSERT = 512
_FIELDS = len(InboxRecord._fields)


class SqliteInboxAppender:
    """Durable appends: synchronous=FULL, so a commit survives a power cut, not just a crash.

    A group of up to _MAX_ROWS_PER_INSERT records goes in as one multi-row INSERT, which is its
    own transaction: one statement step and one fsync. Each step releases and retakes the GIL,
    which the event loop thread is busy with, so fewer steps mean fewer waits for it. The
    statement for each group size stays prepared."""

    def __init__(self, path: Path) -> None:
        self._connection = _connect(path, "FULL", cached_statements=_MAX_ROWS_PER_INSERT + 8)
        self._statements: dict[int, str] = {}

    def _insert(self, size: int) -> str:
        statement = self._statements.get(size)
        if statement is None:
            statement = _INSERT_RECORDS + ", ".join(["(?, ?, ?, ?, ?, ?)"] * size)
            self._statements[size] = statement
        return statement

    def append(self, records: Sequence[InboxRecord]) -> None:
        if not records:
            return
        rows = [value for record in records for value in record]  # fields in column order
        step = _MAX_ROWS_PER_INSERT * _FIELDS
        try:
            if len(rows) <= step:
                self._connection.execute(self._insert(len(records)), rows)
                return
            with _transaction(self._connection) as cursor:
                for start in range(0, len(rows), step):
                    chunk = rows[start : start + step]
                    cursor.execute(self._insert(len(chunk) // _FIELDS), chunk)
        except sqlite3.Error as error:
            raise StoreUnavailable(str(error)) from error

    def close(self) -> None:
        self._connection.close()


class SqliteStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.inbox_path = path.with_name(path.stem + ".inbox" + path.suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"

    def _connection(self, name: str = "store") -> sqlite3.Connection:
        """This thread's connection to the store file, or to the inbox file (`name="inbox"`).

        The inbox is never ATTACHed to the store connection: a store write transaction would
        then hold the inbox's write lock too, and every ingest commit would wait for it."""
        connection: sqlite3.Connection | None = getattr(self._local, name, None)
        if connection is None:
            if name == "inbox":
                connection = _connect(self.inbox_path, "FULL")
            else:
                connection = _connect(self.path, "NORMAL")
            setattr(self._local, name, connection)
            with self._lock:
                self._connections.append(connection)
        return connection

    def _inbox_rows(self, statement: str, params: tuple[int, ...]) -> list[Any]:
        """One read of the inbox, in its own snapshot: records are append-only and the
        acknowledgement lives in the store, so no transaction has to span both files."""
        try:
            return self._connection("inbox").execute(statement, params).fetchall()
        except sqlite3.Error as error:
            raise StoreUnavailable(str(error)) from error

    def migrate(self) -> list[int]:
        inbox = _connect(self.inbox_path, "FULL")
        try:
            _migrate(inbox, "sqlite_inbox")
        finally:
            inbox.close()
        store = _connect(self.path, "NORMAL")
        try:
            applied = _migrate(store, "sqlite")
        finally:
            store.close()
        with self.transaction() as queries:
            queries.rebuild_pending_property_rollups()
        return applied

    @contextmanager
    def read(self) -> Iterator[Queries]:
        connection = self._connection()
        cursor = connection.cursor()
        connection.execute("BEGIN")
        try:
            yield Queries(cursor, _same, _json_property)
        finally:
            connection.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[Queries]:
        with _transaction(self._connection()) as cursor:
            yield Queries(cursor, _same, _json_property)

    @contextmanager
    def pipeline_batch(self, limit: int) -> Iterator[tuple[list[InboxEntry], Queries]]:
        with self.transaction() as queries:
            rows = self._inbox_rows(
                "SELECT id, kind, account_id, received_at, payload, note FROM records"
                " WHERE id > ? ORDER BY id LIMIT ?",
                (queries.inbox_cursor(), limit),
            )
            entries = [inbox_entry(row) for row in rows]
            yield entries, queries
            if entries:
                queries.set_inbox_cursor(entries[-1].id)

    @contextmanager
    def worker_slot(self) -> Iterator[None]:
        """One worker per SQLite store: an exclusive file lock, waited for, released on exit
        (also when the process dies, so a killed worker never blocks its successor)."""
        with open(self.path.with_name(self.path.name + ".worker.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def inbox_appender(self) -> SqliteInboxAppender:
        return SqliteInboxAppender(self.inbox_path)

    def inbox_depth(self) -> int:
        with self.read() as queries:
            cursor = queries.inbox_cursor()
        rows = self._inbox_rows("SELECT count(*) FROM records WHERE id > ?", (cursor,))
        return int(rows[0][0])

    def inbox_oldest_pending(self) -> float | None:
        with self.read() as queries:
            cursor = queries.inbox_cursor()
        connection = _connect(self.inbox_path, "NORMAL")  # scrapes and probes only: rare
        try:
            row = connection.execute(
                "SELECT received_at FROM records WHERE id > ? ORDER BY id LIMIT 1", (cursor,)
            ).fetchone()
        finally:
            connection.close()
        return None if row is None else float(row[0])

    def trim_inbox(self) -> int:
        """Deletes applied records in small slices, each waiting at most TRIM_WAIT_MS for the
        inbox's write lock: under load ingest's appends hold it nearly all the time, and neither
        side may stall the other. When the lock stays busy it stops; the next trim goes on."""
        with self.read() as queries:
            cursor = queries.inbox_cursor()
        connection = self._connection("inbox")
        connection.execute(f"PRAGMA busy_timeout = {TRIM_WAIT_MS}")
        trimmed = 0
        try:
            while True:
                with _transaction(connection) as inbox:
                    inbox.execute(
                        "DELETE FROM records WHERE id IN"
                        " (SELECT id FROM records WHERE id <= ? ORDER BY id LIMIT ?)",
                        (cursor, TRIM_SLICE),
                    )
                    deleted = int(inbox.rowcount)
                trimmed += deleted
                if deleted < TRIM_SLICE:
                    break
        except StoreUnavailable:
            log.debug("inbox busy; trimmed %d records this time", trimmed)
        finally:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return trimmed

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()
