"""The dashboard's reads and its few writes (session secret, passwords, keys).

Every statement is keyed by `account_id` and served by an index (see migration 0005).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from cairn.store.records import Account, ProfileRow, Rejection
from cairn.store.sql import _PROFILE_COLUMNS, Queries, profile_from_row

# Pipeline lag buckets in milliseconds: exact below 100 ms, then two significant digits.
_LAG_BUCKET_MS = (
    "CASE WHEN lag_ms < 100 THEN lag_ms"
    " WHEN lag_ms < 1000 THEN lag_ms / 10 * 10"
    " WHEN lag_ms < 10000 THEN lag_ms / 100 * 100"
    " WHEN lag_ms < 100000 THEN lag_ms / 1000 * 1000"
    " ELSE lag_ms / 10000 * 10000 END"
)


@dataclass(frozen=True, slots=True)
class KeyRow:
    key_hash: str
    prefix: str
    label: str
    created_at: float
    revoked_at: float | None


@dataclass(frozen=True, slots=True)
class MergeRow:
    survivor_id: int
    absorbed_id: int
    merged_at: float


class DashboardQueries:
    def __init__(self, queries: Queries) -> None:
        self.q = queries

    # --- sign-in ------------------------------------------------------------------------------

    def setting(self, name: str, default: str) -> str:
        """The stored value of `name`, storing `default` first if there is none."""
        self.q.run(
            "INSERT INTO dashboard_settings (name, value) VALUES (?, ?)"
            " ON CONFLICT (name) DO NOTHING",
            (name, default),
        )
        return str(self.q.one("SELECT value FROM dashboard_settings WHERE name = ?", (name,))[0])

    def account(self, account_id: int) -> Account | None:
        row = self.q.one(
            "SELECT id, name, public_key, created_at FROM accounts WHERE id = ?", (account_id,)
        )
        return Account(*row) if row else None

    def account_by_name(self, name: str) -> list[Account]:
        rows = self.q.all(
            "SELECT id, name, public_key, created_at FROM accounts WHERE name = ? ORDER BY id",
            (name,),
        )
        return [Account(*row) for row in rows]

    def password_hash(self, account_id: int) -> str | None:
        row = self.q.one(
            "SELECT password_hash FROM dashboard_passwords WHERE account_id = ?", (account_id,)
        )
        return str(row[0]) if row else None

    def set_password_hash(self, account_id: int, password_hash: str, now: float) -> None:
        self.q.run(
            "INSERT INTO dashboard_passwords (account_id, password_hash, updated_at)"
            " VALUES (?, ?, ?) ON CONFLICT (account_id) DO UPDATE"
            " SET password_hash = excluded.password_hash, updated_at = excluded.updated_at",
            (account_id, password_hash, now),
        )

    # --- keys ---------------------------------------------------------------------------------

    def keys(self, account_id: int) -> list[KeyRow]:
        rows = self.q.all(
            "SELECT key_hash, prefix, label, created_at, revoked_at FROM api_keys"
            " WHERE account_id = ? ORDER BY created_at DESC, prefix",
            (account_id,),
        )
        return [KeyRow(*row) for row in rows]

    def revoke_key(self, account_id: int, key_hash: str, now: float) -> bool:
        row = self.q.one(
            "UPDATE api_keys SET revoked_at = ? WHERE account_id = ? AND key_hash = ?"
            " AND revoked_at IS NULL RETURNING key_hash",
            (now, account_id, key_hash),
        )
        return row is not None

    # --- metrics ------------------------------------------------------------------------------

    def recent_event_properties(
        self, account_id: int, metric_id: int, limit: int
    ) -> list[dict[str, object]]:
        """The properties of the metric's latest events (to offer its property names)."""
        rows = self.q.all(
            "SELECT properties FROM events WHERE account_id = ? AND metric_id = ?"
            " ORDER BY time DESC LIMIT ?",
            (account_id, metric_id, limit),
        )
        return [orjson.loads(row[0]) for row in rows]

    def search_profiles(
        self, account_id: int, text: str, limit: int, phone: str | None = None
    ) -> list[ProfileRow]:
        """Profiles whose email, phone or external id starts with `text` (email lower-cased;
        phone as `phone` when given, `text` normalised), and the profile with that Cairn id."""
        found: dict[int, ProfileRow] = {}
        if text.isdigit():
            row = self.q.one(
                f"SELECT {_PROFILE_COLUMNS} FROM profiles WHERE account_id = ? AND id = ?"
                " AND merged_into IS NULL",
                (account_id, int(text)),
            )
            if row:
                found[row[0]] = profile_from_row(row)
        prefixes = (("email", text.lower()), ("phone", phone or text), ("external_id", text))
        for column, prefix in prefixes:
            rows = self.q.all(
                f"SELECT {_PROFILE_COLUMNS} FROM profiles WHERE account_id = ?"
                f" AND {column} >= ? AND {column} < ? ORDER BY {column} LIMIT ?",
                (account_id, prefix, prefix + "\U0010ffff", limit),
            )
            for row in rows:
                found.setdefault(row[0], profile_from_row(row))
        return list(found.values())[:limit]

    def merges(self, account_id: int, profile_id: int) -> list[MergeRow]:
        rows = self.q.all(
            "SELECT survivor_id, absorbed_id, merged_at FROM merges"
            " WHERE account_id = ? AND survivor_id = ?"
            " UNION SELECT survivor_id, absorbed_id, merged_at FROM merges"
            " WHERE account_id = ? AND absorbed_id = ? ORDER BY merged_at DESC",
            (account_id, profile_id, account_id, profile_id),
        )
        return [MergeRow(*row) for row in rows]

    def profile_count(self, account_id: int) -> int:
        row = self.q.one(
            "SELECT count(*) FROM profiles WHERE account_id = ? AND merged_into IS NULL",
            (account_id,),
        )
        return int(row[0])

    # --- lists ---------------------------------------------------------------------------------

    def list_joins(self, account_id: int, list_id: int) -> list[tuple[int, int]]:
        """(UTC day number, members who joined that day) for the list's current members."""
        rows = self.q.all(
            "SELECT floor(created_at / 86400) AS day, count(*) FROM list_members"
            " WHERE account_id = ? AND list_id = ? GROUP BY day ORDER BY day",
            (account_id, list_id),
        )
        return [(int(day), int(count)) for day, count in rows]

    def lists_of_profile(self, account_id: int, profile_id: int) -> list[tuple[int, str, float]]:
        """(list id, name, joined at) of the lists the profile is in."""
        rows = self.q.all(
            "SELECT l.id, l.name, m.created_at FROM list_members m"
            " JOIN lists l ON l.account_id = m.account_id AND l.id = m.list_id"
            " WHERE m.account_id = ? AND m.profile_id = ? ORDER BY l.name",
            (account_id, profile_id),
        )
        return [(int(i), str(name), float(at)) for i, name, at in rows]

    # --- ingest health ------------------------------------------------------------------------

    def received_lags(self, account_id: int, since: float) -> list[tuple[int, int, int]]:
        """(minute as unix seconds, pipeline lag in ms rounded to two significant digits,
        events) for the events received since `since`: one pass over the index."""
        rows = self.q.all(
            f"SELECT minute, {_LAG_BUCKET_MS} AS bucket, count(*) FROM ("
            " SELECT floor(received_at / 60) AS minute,"
            " CAST((applied_at - received_at) * 1000 AS INTEGER) AS lag_ms FROM events"
            " WHERE account_id = ? AND received_at >= ?) AS received GROUP BY minute, bucket",
            (account_id, since),
        )
        return [(int(minute) * 60, int(bucket), int(count)) for minute, bucket, count in rows]

    def latest_lag(self, account_id: int) -> tuple[float, float] | None:
        """(received_at, lag in seconds) of the event received last."""
        row = self.q.one(
            "SELECT received_at, applied_at - received_at FROM events WHERE account_id = ?"
            " ORDER BY received_at DESC LIMIT 1",
            (account_id,),
        )
        return (float(row[0]), float(row[1])) if row else None

    def rejected_per_minute(self, account_id: int, since: float) -> list[tuple[int, int]]:
        rows = self.q.all(
            "SELECT floor(received_at / 60) AS minute, count(*) FROM rejected"
            " WHERE account_id = ? AND received_at >= ? GROUP BY minute ORDER BY minute",
            (account_id, since),
        )
        return [(int(minute) * 60, int(count)) for minute, count in rows]

    def rejection_reasons(self, account_id: int) -> list[tuple[str, int]]:
        rows = self.q.all(
            "SELECT reason, count(*) FROM rejected WHERE account_id = ?"
            " GROUP BY reason ORDER BY count(*) DESC, reason",
            (account_id,),
        )
        return [(str(reason), int(count)) for reason, count in rows]

    def rejections(
        self,
        account_id: int,
        reason: str | None,
        kind: str | None,
        before_id: int | None,
        limit: int,
    ) -> list[Rejection]:
        """Rejected payloads, newest first, filtered by exact reason and kind."""
        where = ""
        params: list[Any] = [account_id]
        if reason is not None:
            where += " AND reason = ?"
            params.append(reason)
        if kind is not None:
            where += " AND kind = ?"
            params.append(kind)
        if before_id is not None:
            where += " AND id < ?"
            params.append(before_id)
        rows = self.q.all(
            "SELECT id, account_id, kind, payload, reason, received_at, rejected_at"
            f" FROM rejected WHERE account_id = ?{where} ORDER BY id DESC LIMIT ?",
            [*params, limit],
        )
        return [Rejection(*row) for row in rows]
