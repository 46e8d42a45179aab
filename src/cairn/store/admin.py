"""Operator queries: account renames, private key listing and revocation, counts for `stats`,
and the pipeline's running totals (table `pipeline_counters`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cairn.store.sql import Queries


@dataclass(frozen=True, slots=True)
class ApiKeyRow:
    account_id: int
    prefix: str
    label: str
    created_at: float
    revoked_at: float | None


@dataclass(frozen=True, slots=True)
class AccountCounts:
    profiles: int
    events: int
    metrics: int
    rejected: int


def rename_account(queries: Queries, account_id: int, name: str) -> bool:
    row = queries.one("UPDATE accounts SET name = ? WHERE id = ? RETURNING id", (name, account_id))
    return row is not None


def api_keys(queries: Queries, account_id: int) -> list[ApiKeyRow]:
    rows = queries.all(
        "SELECT account_id, prefix, label, created_at, revoked_at FROM api_keys"
        " WHERE account_id = ? ORDER BY created_at, prefix",
        (account_id,),
    )
    return [ApiKeyRow(*row) for row in rows]


def revoke_api_keys(queries: Queries, account_id: int, prefix: str, now: float) -> int:
    """Revoke the account's live keys shown as `prefix`; returns how many."""
    rows = queries.all(
        "UPDATE api_keys SET revoked_at = ? WHERE account_id = ? AND prefix = ?"
        " AND revoked_at IS NULL RETURNING prefix",
        (now, account_id, prefix),
    )
    return len(rows)


def account_counts(queries: Queries, account_id: int) -> AccountCounts:
    row = queries.one(
        "SELECT (SELECT count(*) FROM profiles WHERE account_id = ? AND merged_into IS NULL),"
        " (SELECT count(*) FROM events WHERE account_id = ?),"
        " (SELECT count(*) FROM metrics WHERE account_id = ?),"
        " (SELECT count(*) FROM rejected WHERE account_id = ?)",
        (account_id,) * 4,
    )
    return AccountCounts(*(int(value) for value in row))


def pipeline_counters(queries: Queries) -> dict[str, int]:
    """Totals the worker adds up batch by batch (see `add_pipeline_counters`)."""
    rows = queries.all("SELECT name, sum(value) FROM pipeline_counters GROUP BY name")
    return {name: int(value) for name, value in rows}


def add_pipeline_counters(queries: Queries, deltas: Mapping[str, int], slot: int) -> None:
    """Add to the running totals in the worker's own `slot`, inside the batch's transaction
    (so a replayed batch, rolled back, never counts twice)."""
    for name, delta in deltas.items():
        if delta:
            queries.run(
                "INSERT INTO pipeline_counters (name, slot, value) VALUES (?, ?, ?)"
                " ON CONFLICT (name, slot)"
                " DO UPDATE SET value = pipeline_counters.value + excluded.value",
                (name, slot, delta),
            )
