"""Checkpoints of file imports (table `imports`)."""

from __future__ import annotations

from dataclasses import dataclass

from cairn.store.sql import Queries


@dataclass(frozen=True, slots=True)
class Checkpoint:
    rows_done: int
    accepted: int
    rejected: int
    finished: bool


def checkpoint(queries: Queries, account_id: int, source: str) -> Checkpoint | None:
    row = queries.one(
        "SELECT rows_done, accepted, rejected, finished_at FROM imports"
        " WHERE account_id = ? AND source = ?",
        (account_id, source),
    )
    return None if row is None else Checkpoint(row[0], row[1], row[2], row[3] is not None)


def save_checkpoint(
    queries: Queries,
    account_id: int,
    source: str,
    done: Checkpoint,
    now: float,
) -> None:
    queries.run(
        "INSERT INTO imports (account_id, source, rows_done, accepted, rejected, started_at,"
        " updated_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (account_id, source) DO UPDATE SET rows_done = excluded.rows_done,"
        " accepted = excluded.accepted, rejected = excluded.rejected,"
        " updated_at = excluded.updated_at, finished_at = excluded.finished_at",
        (
            account_id,
            source,
            done.rows_done,
            done.accepted,
            done.rejected,
            now,
            now,
            now if done.finished else None,
        ),
    )


def forget_checkpoint(queries: Queries, account_id: int, source: str) -> None:
    queries.run("DELETE FROM imports WHERE account_id = ? AND source = ?", (account_id, source))
