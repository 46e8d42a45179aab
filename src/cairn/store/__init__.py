"""Storage backends. All SQL lives in this package."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from cairn.store.base import InboxAppender, Store, StoreConflict, StoreUnavailable
from cairn.store.sql import Queries


def open_store(database_url: str, *, lease_seconds: float | None = None) -> Store:
    """`sqlite:///relative.db`, `sqlite:////absolute.db` or `postgresql://…`.

    `lease_seconds`: how long a PostgreSQL worker's lanes outlive it (default 10 s)."""
    scheme = urlsplit(database_url).scheme
    if scheme == "sqlite":
        from cairn.store.sqlite import SqliteStore

        return SqliteStore(Path(database_url.removeprefix("sqlite:///")))
    if scheme in ("postgresql", "postgres"):
        from cairn.store.postgres import PostgresStore

        store: Store = PostgresStore(database_url, lease_seconds=lease_seconds)
        return store
    raise ValueError(f"unsupported database URL scheme {scheme!r}: use sqlite:/// or postgresql://")


__all__ = ["InboxAppender", "Queries", "Store", "StoreConflict", "StoreUnavailable", "open_store"]
