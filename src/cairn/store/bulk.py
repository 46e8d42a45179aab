"""Bulk loading: many profiles or events per statement, for benchmarks and back-fills.

Rows are taken as given (no identity rules, no dedupe beyond the unique constraints): the caller
has already applied the domain rules, and rebuilds the metric rollups afterwards
(`Queries.rebuild_rollups`).
"""

from __future__ import annotations

from collections.abc import Iterable

from cairn.store.sql import Queries

ProfileValues = tuple[int, str | None, str | None, str | None, str | None, str, float, float]
EventValues = tuple[int, int, int, int, float | None, str, str, float, float]


def insert_profiles(queries: Queries, rows: Iterable[ProfileValues]) -> None:
    """(account_id, email, phone, external_id, exchange_id, properties JSON, created, updated)."""
    queries.many(
        "INSERT INTO profiles (account_id, email, phone, external_id, exchange_id, properties,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def insert_events(queries: Queries, rows: Iterable[EventValues]) -> None:
    """(account_id, metric_id, profile_id, time, value, event_id, properties JSON, received_at,
    applied_at); a row whose dedupe key exists is skipped."""
    queries.many(
        "INSERT INTO events (account_id, metric_id, profile_id, time, value, event_id,"
        " properties, received_at, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (account_id, metric_id, profile_id, event_id) DO NOTHING",
        rows,
    )
