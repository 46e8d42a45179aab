"""The production backend: PostgreSQL through a psycopg 3 connection pool.

The inbox is a table in the same database. Workers claim the records of the lanes they lease
(see `leases.py`) with FOR UPDATE SKIP LOCKED, apply them and delete them in one transaction.
A lost connection, a server shutting down, or a transaction that lost a race against a
concurrent one raises StoreUnavailable: ingest answers 503, the worker retries the batch.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.errors import (
    DeadlockDetected,
    LockNotAvailable,
    SerializationFailure,
    UniqueViolation,
)
from psycopg.types.string import StrDumperUnknown
from psycopg_pool import ConnectionPool, PoolTimeout

from cairn.inbox.records import InboxEntry, InboxRecord
from cairn.store.base import StoreConflict, StoreUnavailable
from cairn.store.leases import DEFAULT_LEASE_SECONDS, LOCK_OWN_LANES, LaneLeases
from cairn.store.migrations import migration_scripts
from cairn.store.sql import IDENTIFIER_COLUMNS, Queries, inbox_entry

CONNECT_TIMEOUT_SECONDS = 5
POOL_TIMEOUT_SECONDS = 3.0
MIGRATION_LOCK = 0x636169726E  # pg_advisory_lock key shared by every `cairn` process
# A batch runs in READ COMMITTED and locks every profile it reads (FOR UPDATE), so that two
# workers never lose each other's profile updates, while counters both add to (the daily
# rollups) simply wait for each other. A lock still held after the timeout (or a deadlock)
# fails the batch, which is then run again.
BATCH_BEGIN = "BEGIN; SET LOCAL lock_timeout = '500ms'"
LOCK_PROFILES = " FOR UPDATE"
# An append waits no longer than this for a lock on the inbox (SQLite's busy timeout, too).
APPEND_LOCK_TIMEOUT = "2s"

_LITERAL = re.compile(r"('(?:[^']|'')*')")
# Losing the race to create a profile: another transaction committed the same identifier first.
_RACE_CONSTRAINTS = frozenset(f"profiles_{column}" for column in IDENTIFIER_COLUMNS.values())

_CLAIM = (
    "SELECT id, kind, account_id, received_at, payload, note FROM inbox_records"
    " WHERE partition % ? = ANY(?) ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED"
)
_COPY_RECORDS = (
    "COPY inbox_records (kind, account_id, received_at, partition, payload, note) FROM STDIN"
)


def _json_property(key: str) -> tuple[str, str] | None:
    """As `json`, not `jsonb`: the value's text as stored (jsonb would rewrite numbers)."""
    return "(properties::json -> ?)::text", key


@lru_cache(maxsize=4096)
def pg_sql(statement: str) -> str:
    """The shared SQL in PostgreSQL's own style: the n-th `?` outside quoted literals becomes
    `$n`, so psycopg sends it as it is instead of parsing every statement for placeholders."""
    parts = _LITERAL.split(statement)
    number = 0
    for index in range(0, len(parts), 2):
        pieces = parts[index].split("?")
        for position in range(1, len(pieces)):
            number += 1
            pieces[position] = f"${number}{pieces[position]}"
        parts[index] = "".join(pieces)
    return "".join(parts)


class _NulSafeStrDumper(StrDumperUnknown):
    """PostgreSQL text cannot hold NUL; store U+FFFD in its place instead of failing the batch."""

    def dump(self, obj: str) -> bytes | bytearray | memoryview | None:
        return super().dump(obj.replace("\x00", "\ufffd"))


def _configure(connection: psycopg.Connection[Any]) -> None:
    connection.adapters.register_dumper(str, _NulSafeStrDumper)


def _is_conflict(error: BaseException) -> bool:
    """Another transaction got there first: a serialization failure, a deadlock, a lock not
    granted in time, or a lost race to create the same profile."""
    if isinstance(error, SerializationFailure | DeadlockDetected | LockNotAvailable):
        return True
    return isinstance(error, UniqueViolation) and error.diag.constraint_name in _RACE_CONSTRAINTS


def _is_transient(error: psycopg.Error) -> bool:
    """Connection loss and server shutdown too: trying the whole transaction again is the cure."""
    return isinstance(error, psycopg.OperationalError) or _is_conflict(error)


def _unavailable(error: BaseException) -> StoreUnavailable:
    kind = StoreConflict if _is_conflict(error) else StoreUnavailable
    return kind(" ".join(str(error).split()) or type(error).__name__)


class _Cursor:
    """A psycopg cursor (`$n` placeholders) that turns transient errors into StoreUnavailable
    and remembers them, so the transaction is retried as a whole even when the caller caught
    the error."""

    def __init__(self, cursor: psycopg.RawCursor[Any]) -> None:
        self._cursor = cursor
        self.failure: psycopg.Error | None = None

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Any:
        try:
            return self._cursor.execute(sql, params)
        except psycopg.Error as error:
            self._check(error)
            raise

    def executemany(self, sql: str, params: Any, /) -> Any:
        try:
            return self._cursor.executemany(sql, params)
        except psycopg.Error as error:
            self._check(error)
            raise

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    def _check(self, error: psycopg.Error) -> None:
        if _is_transient(error):
            self.failure = error
            raise _unavailable(error) from error


@contextmanager
def _transaction(
    connection: psycopg.Connection[Any], begin: str, lock_profiles: str = ""
) -> Iterator[Queries]:
    """`begin` … COMMIT on an autocommit connection; ROLLBACK on any exception."""
    cursor = _Cursor(psycopg.RawCursor(connection))
    connection.execute(begin)
    try:
        yield Queries(cursor, pg_sql, _json_property, lock_profiles)
        if cursor.failure is not None:
            raise _unavailable(cursor.failure)
        connection.execute("COMMIT")
    except BaseException:
        with suppress(psycopg.Error):  # a broken connection has already ended the transaction
            connection.execute("ROLLBACK")
        raise


def connection_params(database_url: str) -> dict[str, Any]:
    try:
        params = conninfo_to_dict(database_url)
    except psycopg.ProgrammingError as error:
        raise ValueError(f"invalid PostgreSQL URL: {error}") from None
    params.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
    params.setdefault("application_name", f"cairn[{os.getpid()}]")
    return params


def _connect(params: dict[str, Any], *, autocommit: bool) -> psycopg.Connection[Any]:
    try:
        connection = psycopg.connect(**params, autocommit=autocommit)
    except psycopg.Error as error:
        raise _unavailable(error) from error
    _configure(connection)
    return connection


class PostgresInboxAppender:
    """Appends each group with one COPY and one commit, on a connection of its own that is
    opened again after a failure."""

    def __init__(self, params: dict[str, Any]) -> None:
        self._params = params
        self._connection: psycopg.Connection[Any] | None = None

    def append(self, records: Sequence[InboxRecord]) -> None:
        if self._connection is None:
            connection = _connect(self._params, autocommit=True)
            connection.execute(f"SET lock_timeout = '{APPEND_LOCK_TIMEOUT}'")
            connection.autocommit = False
            self._connection = connection
        try:
            with self._connection.cursor().copy(_COPY_RECORDS) as copy:
                for r in records:
                    copy.write_row(
                        (r.kind.value, r.account_id, r.received_at, r.partition, r.payload, r.note)
                    )
            self._connection.commit()
        except psycopg.Error as error:
            self.close()
            raise _unavailable(error) from error

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class PostgresStore:
    def __init__(
        self,
        database_url: str,
        *,
        lease_seconds: float | None = None,
        max_connections: int = 8,
    ) -> None:
        self.database_url = database_url
        self._params = connection_params(database_url)
        self._max_connections = max_connections
        self._pool: ConnectionPool[psycopg.Connection[Any]] | None = None
        self._lock = threading.Lock()
        self.leases = LaneLeases(lease_seconds or DEFAULT_LEASE_SECONDS)

    def __repr__(self) -> str:
        return f"PostgresStore(dbname={self._params.get('dbname')!r})"

    def _opened_pool(self) -> ConnectionPool[psycopg.Connection[Any]]:
        with self._lock:
            if self._pool is None:
                self._pool = ConnectionPool(
                    kwargs={**self._params, "autocommit": True},
                    min_size=1,
                    max_size=self._max_connections,
                    open=False,
                    configure=_configure,
                    check=ConnectionPool.check_connection,
                    timeout=POOL_TIMEOUT_SECONDS,
                    name="cairn",
                )
                self._pool.open(wait=False)
            return self._pool

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            with self._opened_pool().connection() as connection:
                yield connection
        except (psycopg.OperationalError, PoolTimeout) as error:
            raise _unavailable(error) from error

    def migrate(self) -> list[int]:
        connection = _connect(self._params, autocommit=True)
        applied = []
        try:
            connection.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
            connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY,"
                " applied_at double precision NOT NULL)"
            )
            done = {row[0] for row in connection.execute("SELECT version FROM schema_migrations")}
            for version, script in migration_scripts("postgres"):
                if version in done:
                    continue
                with connection.transaction():
                    connection.execute(script)
                    connection.execute(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (%s, %s)",
                        (version, time.time()),
                    )
                applied.append(version)
            with self.transaction() as queries:  # still under the migration lock
                queries.rebuild_pending_property_rollups()
        except psycopg.Error as error:  # unreachable, or e.g. a role that may not create tables
            raise _unavailable(error) from error
        finally:
            connection.close()
        return applied

    @contextmanager
    def _queries(self, begin: str) -> Iterator[Queries]:
        with self._connection() as connection, _transaction(connection, begin) as queries:
            yield queries

    def read(self) -> AbstractContextManager[Queries]:
        return self._queries("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def transaction(self) -> AbstractContextManager[Queries]:
        """REPEATABLE READ: a write that would lose a concurrent update fails (StoreConflict)
        instead, like SQLite's single writer never lets it happen."""
        return self._queries("BEGIN ISOLATION LEVEL REPEATABLE READ")

    @contextmanager
    def pipeline_batch(self, limit: int) -> Iterator[tuple[list[InboxEntry], Queries]]:
        with self._connection() as connection:
            if self.leases.due():
                with _transaction(connection, "BEGIN") as queries:
                    self.leases.refresh(queries)
            with _transaction(connection, BATCH_BEGIN, LOCK_PROFILES) as queries:
                lanes = [row[0] for row in queries.all(LOCK_OWN_LANES, (self.leases.worker_id,))]
                entries: list[InboxEntry] = []
                if lanes:
                    rows = queries.all(_CLAIM, (self.leases.lane_count, lanes, limit))
                    entries = [inbox_entry(row) for row in rows]
                yield entries, queries
                if entries:
                    queries.run(
                        "DELETE FROM inbox_records WHERE id = ANY(?)", ([e.id for e in entries],)
                    )

    @contextmanager
    def worker_slot(self) -> Iterator[None]:
        """Registers this worker and takes its share of the lanes (again on every batch when
        due); gives them all back on the way out."""
        with suppress(StoreUnavailable), self._queries("BEGIN") as queries:
            self.leases.refresh(queries)
        try:
            yield
        finally:
            self._release_leases()

    def _release_leases(self) -> None:
        with suppress(StoreUnavailable), self._queries("BEGIN") as queries:
            self.leases.release(queries)

    def inbox_appender(self) -> PostgresInboxAppender:
        return PostgresInboxAppender(self._params)

    def inbox_depth(self) -> int:
        with self.read() as queries:
            return int(queries.one("SELECT count(*) FROM inbox_records")[0])

    def inbox_oldest_pending(self) -> float | None:
        with self.read() as queries:
            row = queries.one("SELECT received_at FROM inbox_records ORDER BY id LIMIT 1")
        return None if row is None else float(row[0])

    def trim_inbox(self) -> int:
        """Nothing to trim: the pipeline deletes records in the transaction that applies them."""
        return 0

    def close(self) -> None:
        if self._pool is not None and self.leases.registered:
            self._release_leases()
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
