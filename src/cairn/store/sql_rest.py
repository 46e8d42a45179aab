"""Statements behind the REST API: metrics and timelines, lists and exclusions, deletions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from cairn.store.records import (
    ExclusionRow,
    ListRow,
    MemberRow,
    MetricRow,
    Rejection,
    TimelineEvent,
)
from cairn.store.rollups import RollupQueries

_METRIC_COLUMNS = "id, account_id, name, created_at"
_LIST_COLUMNS = "l.id, l.account_id, l.name, l.opt_in, l.created_at, l.updated_at"
_MEMBER_COLUMNS = "p.id, p.email, p.phone"
# A timeline position: (time, event id). Events strictly after (asc) or before (desc) it.
Position = tuple[int, int]


def _placeholders(count: int) -> str:
    return ", ".join("?" * count)


def _timeline_event(row: Sequence[Any]) -> TimelineEvent:
    from cairn.store.sql import profile_from_row  # sql.py builds Queries from this module

    event_id, metric_id, metric_name, time, properties = row[:5]
    return TimelineEvent(
        event_id, metric_id, metric_name, time, orjson.loads(properties), profile_from_row(row[5:])
    )


class RestQueries(RollupQueries):
    # --- metrics and timelines ----------------------------------------------------------------

    def metrics_page(self, account_id: int, offset: int, limit: int) -> tuple[list[MetricRow], int]:
        rows = self.all(
            f"SELECT {_METRIC_COLUMNS} FROM metrics WHERE account_id = ? ORDER BY id"
            " LIMIT ? OFFSET ?",
            (account_id, limit, offset),
        )
        total = self.one("SELECT count(*) FROM metrics WHERE account_id = ?", (account_id,))[0]
        return [MetricRow(*row) for row in rows], int(total)

    def metric_by_id(self, account_id: int, metric_id: int) -> MetricRow | None:
        row = self.one(
            f"SELECT {_METRIC_COLUMNS} FROM metrics WHERE account_id = ? AND id = ?",
            (account_id, metric_id),
        )
        return MetricRow(*row) if row else None

    def timeline(
        self,
        account_id: int,
        position: Position,
        ascending: bool,
        limit: int,
        metric_id: int | None = None,
        profile_id: int | None = None,
    ) -> list[TimelineEvent]:
        """Events after (ascending) or before `position`, optionally of one metric or profile."""
        where = ["e.account_id = ?"]
        params: list[Any] = [account_id]
        if metric_id is not None:
            where.append("e.metric_id = ?")
            params.append(metric_id)
        if profile_id is not None:
            where.append("e.profile_id = ?")
            params.append(profile_id)
        where.append("(e.time, e.id) > (?, ?)" if ascending else "(e.time, e.id) < (?, ?)")
        params += [*position, limit]
        order = "ASC" if ascending else "DESC"
        rows = self.all(
            "SELECT e.id, e.metric_id, m.name, e.time, e.properties,"
            " p.id, p.account_id, p.email, p.phone, p.external_id, p.exchange_id, p.properties,"
            " p.created_at, p.updated_at FROM events e"
            " JOIN metrics m ON m.account_id = e.account_id AND m.id = e.metric_id"
            " JOIN profiles p ON p.account_id = e.account_id AND p.id = e.profile_id"
            f" WHERE {' AND '.join(where)} ORDER BY e.time {order}, e.id {order} LIMIT ?",
            params,
        )
        return [_timeline_event(row) for row in rows]

    # --- profiles -----------------------------------------------------------------------------

    def delete_profile(self, account_id: int, profile_id: int) -> int:
        """Purge a profile, the profiles merged into it, its events, rollup share and list
        memberships; returns the events deleted."""
        self.remove_rollups(account_id, profile_id)
        deleted = self.one(
            "SELECT count(*) FROM events WHERE account_id = ? AND profile_id = ?",
            (account_id, profile_id),
        )[0]
        for table in (
            "events",
            "list_members",
            "list_exclusions",
            "segment_members",
            "segment_rechecks",
            "segment_changes",
        ):
            self.run(
                f"DELETE FROM {table} WHERE account_id = ? AND profile_id = ?",
                (account_id, profile_id),
            )
        self.run(
            "DELETE FROM profiles WHERE account_id = ? AND (id = ? OR merged_into = ?)",
            (account_id, profile_id, profile_id),
        )
        return int(deleted)

    def insert_deletion_request(
        self,
        account_id: int,
        kind: str,
        identifier_hash: str,
        profiles_deleted: int,
        events_deleted: int,
        now: float,
    ) -> None:
        self.run(
            "INSERT INTO deletion_requests (account_id, kind, identifier_hash, profiles_deleted,"
            " events_deleted, requested_at) VALUES (?, ?, ?, ?, ?, ?)",
            (account_id, kind, identifier_hash, profiles_deleted, events_deleted, now),
        )

    def deletion_requests(self, account_id: int) -> list[tuple[str, str, int, int, float]]:
        """(kind, identifier hash, profiles deleted, events deleted, requested at), oldest first."""
        rows = self.all(
            "SELECT kind, identifier_hash, profiles_deleted, events_deleted, requested_at"
            " FROM deletion_requests WHERE account_id = ? ORDER BY id",
            (account_id,),
        )
        return [tuple(row) for row in rows]

    def move_memberships(self, account_id: int, absorbed_id: int, survivor_id: int) -> None:
        """A merge: the survivor joins (or is excluded from) every list the absorbed one was."""
        for table, extra in (("list_members", ""), ("list_exclusions", ", reason")):
            self.run(
                f"INSERT INTO {table} (account_id, list_id, profile_id, created_at{extra})"
                f" SELECT account_id, list_id, ?, created_at{extra} FROM {table}"
                " WHERE account_id = ? AND profile_id = ?"
                " ON CONFLICT (account_id, list_id, profile_id) DO NOTHING",
                (survivor_id, account_id, absorbed_id),
            )
            self.run(
                f"DELETE FROM {table} WHERE account_id = ? AND profile_id = ?",
                (account_id, absorbed_id),
            )

    # --- lists --------------------------------------------------------------------------------

    def insert_list(self, account_id: int, name: str, now: float) -> int:
        row = self.one(
            "INSERT INTO lists (account_id, name, created_at, updated_at) VALUES (?, ?, ?, ?)"
            " RETURNING id",
            (account_id, name, now, now),
        )
        return int(row[0])

    def lists_of(self, account_id: int, with_counts: bool = False) -> list[ListRow]:
        count = (
            "(SELECT count(*) FROM list_members m WHERE m.account_id = l.account_id"
            " AND m.list_id = l.id)"
            if with_counts
            else "0"
        )
        rows = self.all(
            f"SELECT {_LIST_COLUMNS}, {count} FROM lists l WHERE l.account_id = ? ORDER BY l.id",
            (account_id,),
        )
        return [ListRow(*row) for row in rows]

    def list_by_id(self, account_id: int, list_id: int) -> ListRow | None:
        row = self.one(
            f"SELECT {_LIST_COLUMNS}, 0 FROM lists l WHERE l.account_id = ? AND l.id = ?",
            (account_id, list_id),
        )
        return ListRow(*row) if row else None

    def rename_list(self, account_id: int, list_id: int, name: str, now: float) -> None:
        self.run(
            "UPDATE lists SET name = ?, updated_at = ? WHERE account_id = ? AND id = ?",
            (name, now, account_id, list_id),
        )

    def delete_list(self, account_id: int, list_id: int) -> None:
        for table in ("list_members", "list_exclusions"):
            self.run(
                f"DELETE FROM {table} WHERE account_id = ? AND list_id = ?", (account_id, list_id)
            )
        self.run("DELETE FROM lists WHERE account_id = ? AND id = ?", (account_id, list_id))

    def add_list_members(
        self, account_id: int, list_id: int, profile_ids: Iterable[int], now: float
    ) -> None:
        self.many(
            "INSERT INTO list_members (account_id, list_id, profile_id, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (account_id, list_id, profile_id) DO NOTHING",
            [(account_id, list_id, profile_id, now) for profile_id in profile_ids],
        )

    def remove_list_members(
        self, account_id: int, list_id: int, profile_ids: Iterable[int]
    ) -> None:
        self.many(
            "DELETE FROM list_members WHERE account_id = ? AND list_id = ? AND profile_id = ?",
            [(account_id, list_id, profile_id) for profile_id in profile_ids],
        )

    def add_list_exclusions(
        self, account_id: int, list_id: int, profile_ids: Iterable[int], reason: str, now: float
    ) -> None:
        self.many(
            "INSERT INTO list_exclusions (account_id, list_id, profile_id, reason, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, list_id, profile_id) DO NOTHING",
            [(account_id, list_id, profile_id, reason, now) for profile_id in profile_ids],
        )

    def remove_list_exclusions(
        self, account_id: int, list_id: int, profile_ids: Iterable[int]
    ) -> None:
        self.many(
            "DELETE FROM list_exclusions WHERE account_id = ? AND list_id = ? AND profile_id = ?",
            [(account_id, list_id, profile_id) for profile_id in profile_ids],
        )

    def _profile_subset(self, table: str, account_id: int, list_id: int, ids: list[int]) -> Any:
        if not ids:
            return []
        return self.all(
            f"SELECT profile_id, created_at FROM {table} WHERE account_id = ? AND list_id = ?"
            f" AND profile_id IN ({_placeholders(len(ids))})",
            (account_id, list_id, *ids),
        )

    def members_among(self, account_id: int, list_id: int, ids: list[int]) -> dict[int, float]:
        """Which of these profiles are in the list, with when they joined."""
        rows = self._profile_subset("list_members", account_id, list_id, ids)
        return {profile_id: created_at for profile_id, created_at in rows}

    def excluded_among(self, account_id: int, list_id: int, ids: list[int]) -> set[int]:
        rows = self._profile_subset("list_exclusions", account_id, list_id, ids)
        return {profile_id for profile_id, _ in rows}

    def _group_rows(
        self, table: str, extra: str, account_id: int, list_id: int, after: int, limit: int
    ) -> list[MemberRow]:
        rows = self.all(
            f"SELECT {_MEMBER_COLUMNS}, g.created_at{extra} FROM {table} g"
            " JOIN profiles p ON p.account_id = g.account_id AND p.id = g.profile_id"
            " WHERE g.account_id = ? AND g.list_id = ? AND g.profile_id > ?"
            " ORDER BY g.profile_id LIMIT ?",
            (account_id, list_id, after, limit),
        )
        return [MemberRow(*row) for row in rows]

    def list_members_after(
        self, account_id: int, list_id: int, after: int, limit: int
    ) -> list[MemberRow]:
        """Members with profile id above `after`, in profile id order."""
        return self._group_rows("list_members", "", account_id, list_id, after, limit)

    def list_exclusions_after(
        self, account_id: int, list_id: int, after: int, limit: int
    ) -> list[MemberRow]:
        return self._group_rows("list_exclusions", ", g.reason", account_id, list_id, after, limit)

    def _group_page(
        self,
        table: str,
        extra: str,
        account_id: int,
        list_id: int,
        offset: int,
        limit: int,
        order: str,
    ) -> tuple[list[MemberRow], int]:
        rows = self.all(
            f"SELECT {_MEMBER_COLUMNS}, g.created_at{extra} FROM {table} g"
            " JOIN profiles p ON p.account_id = g.account_id AND p.id = g.profile_id"
            " WHERE g.account_id = ? AND g.list_id = ?"
            f" ORDER BY g.created_at {order}, g.profile_id {order} LIMIT ? OFFSET ?",
            (account_id, list_id, limit, offset),
        )
        total = self.one(
            f"SELECT count(*) FROM {table} WHERE account_id = ? AND list_id = ?",
            (account_id, list_id),
        )[0]
        return [MemberRow(*row) for row in rows], int(total)

    def list_members_page(
        self, account_id: int, list_id: int, offset: int, limit: int
    ) -> tuple[list[MemberRow], int]:
        """Members in the order they joined, and how many there are."""
        return self._group_page("list_members", "", account_id, list_id, offset, limit, "ASC")

    def list_exclusions_page(
        self, account_id: int, list_id: int, offset: int, limit: int, newest_first: bool
    ) -> tuple[list[MemberRow], int]:
        order = "DESC" if newest_first else "ASC"
        return self._group_page(
            "list_exclusions", ", g.reason", account_id, list_id, offset, limit, order
        )

    # --- global exclusions --------------------------------------------------------------------

    def add_exclusion(self, account_id: int, email: str, reason: str, created_at: float) -> None:
        self.run(
            "INSERT INTO exclusions (account_id, email, reason, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (account_id, email) DO NOTHING",
            (account_id, email, reason, created_at),
        )

    def exclusions_page(
        self, account_id: int, reason: str | None, offset: int, limit: int, newest_first: bool
    ) -> tuple[list[ExclusionRow], int]:
        where = "account_id = ?" + (" AND reason = ?" if reason else "")
        params: tuple[Any, ...] = (account_id, reason) if reason else (account_id,)
        order = "DESC" if newest_first else "ASC"
        rows = self.all(
            f"SELECT email, reason, created_at FROM exclusions WHERE {where}"
            f" ORDER BY created_at {order}, email {order} LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        total = self.one(f"SELECT count(*) FROM exclusions WHERE {where}", params)[0]
        return [ExclusionRow(*row) for row in rows], int(total)

    def excluded_emails(self, account_id: int, emails: list[str]) -> set[str]:
        if not emails:
            return set()
        rows = self.all(
            "SELECT email FROM exclusions WHERE account_id = ?"
            f" AND email IN ({_placeholders(len(emails))})",
            (account_id, *emails),
        )
        return {row[0] for row in rows}

    def delete_exclusions(self, account_id: int, email: str) -> None:
        self.run("DELETE FROM exclusions WHERE account_id = ? AND email = ?", (account_id, email))

    # --- rejected payloads --------------------------------------------------------------------

    def rejections_before(
        self, account_id: int, before_id: int | None, limit: int
    ) -> list[Rejection]:
        """Newest first, ids below `before_id` when given."""
        rows = self.all(
            "SELECT id, account_id, kind, payload, reason, received_at, rejected_at"
            " FROM rejected WHERE account_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
            (account_id, before_id if before_id is not None else 2**62, limit),
        )
        return [Rejection(*row) for row in rows]
