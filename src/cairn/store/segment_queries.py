"""SQL for segments: definitions, members, time-window rechecks and entry/exit history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from cairn.store.records import MemberRow
from cairn.store.sql import Queries

_MEMBER_COLUMNS = "m.profile_id, p.email, p.phone, m.since"
_SEGMENT_COLUMNS = (
    "id, account_id, name, definition, created_at, updated_at, version,"
    " built_version, rebuild_cursor"
)


@dataclass(frozen=True, slots=True)
class SegmentRow:
    id: int
    account_id: int
    name: str
    definition: str
    created_at: float
    updated_at: float
    version: int
    built_version: int
    rebuild_cursor: int


@dataclass(frozen=True, slots=True)
class EventRow:
    profile_id: int
    metric_id: int
    time: float
    properties: dict[str, object]


def _marks(count: int) -> str:
    return ", ".join("?" * count)


class SegmentQueries:
    def __init__(self, queries: Queries) -> None:
        self.q = queries

    # --- definitions ------------------------------------------------------------------------

    def insert_segment(self, account_id: int, name: str, definition: str, now: float) -> SegmentRow:
        row = self.q.one(
            "INSERT INTO segments (account_id, name, definition, created_at, updated_at)"
            f" VALUES (?, ?, ?, ?, ?) RETURNING {_SEGMENT_COLUMNS}",
            (account_id, name, definition, now, now),
        )
        return SegmentRow(*row)

    def segments_of(self, account_id: int) -> list[SegmentRow]:
        rows = self.q.all(
            f"SELECT {_SEGMENT_COLUMNS} FROM segments WHERE account_id = ? ORDER BY id",
            (account_id,),
        )
        return [SegmentRow(*row) for row in rows]

    def segment(self, account_id: int, segment_id: int) -> SegmentRow | None:
        row = self.q.one(
            f"SELECT {_SEGMENT_COLUMNS} FROM segments WHERE account_id = ? AND id = ?",
            (account_id, segment_id),
        )
        return SegmentRow(*row) if row else None

    def segments_to_build(self) -> list[SegmentRow]:
        rows = self.q.all(
            f"SELECT {_SEGMENT_COLUMNS} FROM segments WHERE built_version < version ORDER BY id"
        )
        return [SegmentRow(*row) for row in rows]

    def update_segment(
        self, segment: SegmentRow, name: str, definition: str | None, now: float
    ) -> None:
        """Rename; a new definition also restarts the rebuild."""
        if definition is None:
            self.q.run(
                "UPDATE segments SET name = ?, updated_at = ? WHERE account_id = ? AND id = ?",
                (name, now, segment.account_id, segment.id),
            )
            return
        self.q.run(
            "UPDATE segments SET name = ?, definition = ?, updated_at = ?,"
            " version = version + 1, rebuild_cursor = 0 WHERE account_id = ? AND id = ?",
            (name, definition, now, segment.account_id, segment.id),
        )

    def set_rebuild_progress(self, segment: SegmentRow, cursor: int, finished: bool) -> None:
        """Record progress of a rebuild of `segment.version`, unless the definition changed."""
        self.q.run(
            "UPDATE segments SET rebuild_cursor = ?, built_version ="
            " CASE WHEN ? THEN version ELSE built_version END"
            " WHERE account_id = ? AND id = ? AND version = ?",
            (0 if finished else cursor, finished, segment.account_id, segment.id, segment.version),
        )

    def delete_segment(self, segment: SegmentRow) -> None:
        for table in ("segment_members", "segment_rechecks", "segment_changes"):
            self.q.run(
                f"DELETE FROM {table} WHERE account_id = ? AND segment_id = ?",
                (segment.account_id, segment.id),
            )
        self.q.run(
            "DELETE FROM segments WHERE account_id = ? AND id = ?",
            (segment.account_id, segment.id),
        )

    # --- what evaluation reads --------------------------------------------------------------

    def profile_properties(
        self, account_id: int, profile_ids: Sequence[int]
    ) -> dict[int, dict[str, object]]:
        """Properties of the live (not merged-away) profiles among `profile_ids`."""
        if not profile_ids:
            return {}
        rows = self.q.all(
            "SELECT id, properties FROM profiles WHERE account_id = ? AND merged_into IS NULL"
            f" AND id IN ({_marks(len(profile_ids))})",
            (account_id, *profile_ids),
        )
        return {row[0]: orjson.loads(row[1]) for row in rows}

    def profile_page(
        self, account_id: int, after_id: int, limit: int
    ) -> list[tuple[int, dict[str, object]]]:
        rows = self.q.all(
            "SELECT id, properties FROM profiles WHERE account_id = ? AND id > ?"
            " AND merged_into IS NULL ORDER BY id LIMIT ?",
            (account_id, after_id, limit),
        )
        return [(row[0], orjson.loads(row[1])) for row in rows]

    def profile_count(self, account_id: int) -> int:
        row = self.q.one(
            "SELECT count(*) FROM profiles WHERE account_id = ? AND merged_into IS NULL",
            (account_id,),
        )
        return int(row[0])

    def events_of(
        self,
        account_id: int,
        profile_ids: Sequence[int],
        metric_ids: Sequence[int],
        since: float | None,
        with_properties: bool,
    ) -> list[EventRow]:
        """Events of these profiles and metrics at or after `since`; properties only if asked."""
        if not profile_ids or not metric_ids:
            return []
        properties = "properties" if with_properties else "NULL"
        sql = (
            f"SELECT profile_id, metric_id, time, {properties} FROM events WHERE account_id = ?"
            f" AND profile_id IN ({_marks(len(profile_ids))})"
            f" AND metric_id IN ({_marks(len(metric_ids))})"
        )
        params: list[Any] = [account_id, *profile_ids, *metric_ids]
        if since is not None:
            sql += " AND time >= ?"
            params.append(since)
        return [
            EventRow(row[0], row[1], row[2], orjson.loads(row[3]) if with_properties else {})
            for row in self.q.all(sql, params)
        ]

    def state_of(
        self, account_id: int, profile_ids: Sequence[int], segment_ids: Sequence[int]
    ) -> tuple[set[tuple[int, int]], dict[tuple[int, int], float]]:
        """For these profiles and segments: the (segment_id, profile_id) pairs that are members,
        and the recheck time of each pair that has one."""
        if not profile_ids or not segment_ids:
            return set(), {}
        where = (
            f"WHERE account_id = ? AND profile_id IN ({_marks(len(profile_ids))})"
            f" AND segment_id IN ({_marks(len(segment_ids))})"
        )
        params = (account_id, *profile_ids, *segment_ids)
        rows = self.q.all(
            f"SELECT segment_id, profile_id, NULL FROM segment_members {where}"
            f" UNION ALL SELECT segment_id, profile_id, recheck_at FROM segment_rechecks {where}",
            params + params,
        )
        members = {(row[0], row[1]) for row in rows if row[2] is None}
        rechecks = {(row[0], row[1]): row[2] for row in rows if row[2] is not None}
        return members, rechecks

    def lists_of(
        self, account_id: int, profile_ids: Sequence[int], list_ids: Sequence[int]
    ) -> dict[int, set[int]]:
        """Per profile, which of `list_ids` it is a member of."""
        if not profile_ids or not list_ids:
            return {}
        rows = self.q.all(
            "SELECT profile_id, list_id FROM list_members WHERE account_id = ?"
            f" AND profile_id IN ({_marks(len(profile_ids))})"
            f" AND list_id IN ({_marks(len(list_ids))})",
            (account_id, *profile_ids, *list_ids),
        )
        found: dict[int, set[int]] = {}
        for profile_id, list_id in rows:
            found.setdefault(profile_id, set()).add(list_id)
        return found

    def request_rebuild(self, account_id: int, segment_ids: Sequence[int]) -> None:
        """Have the worker rebuild these segments from the first profile."""
        self.q.many(
            "UPDATE segments SET built_version = 0, rebuild_cursor = 0"
            " WHERE account_id = ? AND id = ?",
            [(account_id, segment_id) for segment_id in segment_ids],
        )

    def members_between(
        self, account_id: int, segment_id: int, after_id: int, last_id: int
    ) -> set[int]:
        rows = self.q.all(
            "SELECT profile_id FROM segment_members WHERE account_id = ? AND segment_id = ?"
            " AND profile_id > ? AND profile_id <= ?",
            (account_id, segment_id, after_id, last_id),
        )
        return {row[0] for row in rows}

    def claim_due_rechecks(self, now: float, limit: int) -> list[tuple[int, int, int]]:
        """Take (delete) up to `limit` rechecks whose time has come, earliest first, as
        (account_id, segment_id, profile_id). Deleting is the claim: a concurrent worker waits
        for the row and then finds it gone; evaluation writes the next recheck time."""
        rows = self.q.all(
            "DELETE FROM segment_rechecks WHERE (account_id, segment_id, profile_id) IN ("
            " SELECT account_id, segment_id, profile_id FROM segment_rechecks"
            " WHERE recheck_at <= ? ORDER BY recheck_at LIMIT ?)"
            " RETURNING account_id, segment_id, profile_id",
            (now, limit),
        )
        return [(row[0], row[1], row[2]) for row in rows]

    def claim_rebuild_page(self, segment: SegmentRow, last_id: int) -> bool:
        """Move the stored rebuild cursor past a page before evaluating it; False when another
        worker moved it first (or the definition changed)."""
        row = self.q.one(
            "UPDATE segments SET rebuild_cursor = ? WHERE account_id = ? AND id = ?"
            " AND rebuild_cursor = ? AND version = ? RETURNING id",
            (last_id, segment.account_id, segment.id, segment.rebuild_cursor, segment.version),
        )
        return row is not None

    # --- what evaluation writes -------------------------------------------------------------

    def add_members(self, account_id: int, pairs: Iterable[tuple[int, int]], now: float) -> None:
        rows = [(account_id, segment_id, profile_id, now) for segment_id, profile_id in pairs]
        self.q.many(
            "INSERT INTO segment_members (account_id, segment_id, profile_id, since)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            rows,
        )
        self._record_changes(rows, entered=True)

    def remove_members(self, account_id: int, pairs: Iterable[tuple[int, int]], now: float) -> None:
        rows = [(account_id, segment_id, profile_id, now) for segment_id, profile_id in pairs]
        self.q.many(
            "DELETE FROM segment_members WHERE account_id = ? AND segment_id = ?"
            " AND profile_id = ?",
            [row[:3] for row in rows],
        )
        self._record_changes(rows, entered=False)

    def _record_changes(self, rows: list[tuple[int, int, int, float]], entered: bool) -> None:
        self.q.many(
            "INSERT INTO segment_changes (account_id, segment_id, profile_id, entered, at)"
            " VALUES (?, ?, ?, ?, ?)",
            [(a, s, p, int(entered), at) for a, s, p, at in rows],
        )

    def set_rechecks(self, account_id: int, due: Iterable[tuple[int, int, float]]) -> None:
        self.q.many(
            "INSERT INTO segment_rechecks (account_id, segment_id, profile_id, recheck_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (account_id, segment_id, profile_id)"
            " DO UPDATE SET recheck_at = excluded.recheck_at",
            [(account_id, *item) for item in due],
        )

    def clear_rechecks(self, account_id: int, pairs: Iterable[tuple[int, int]]) -> None:
        self.q.many(
            "DELETE FROM segment_rechecks WHERE account_id = ? AND segment_id = ?"
            " AND profile_id = ?",
            [(account_id, *pair) for pair in pairs],
        )

    # --- reading members --------------------------------------------------------------------

    def members_after(
        self, account_id: int, segment_id: int, after_id: int, limit: int
    ) -> list[MemberRow]:
        """Members with profile id above `after_id`, in profile id order."""
        rows = self.q.all(
            f"SELECT {_MEMBER_COLUMNS} FROM segment_members m JOIN profiles p"
            " ON p.account_id = m.account_id AND p.id = m.profile_id"
            " WHERE m.account_id = ? AND m.segment_id = ? AND m.profile_id > ?"
            " ORDER BY m.profile_id LIMIT ?",
            (account_id, segment_id, after_id, limit),
        )
        return [MemberRow(*row) for row in rows]

    def members_page(
        self, account_id: int, segment_id: int, offset: int, limit: int
    ) -> tuple[list[MemberRow], int]:
        """A page of members, earliest entry first, and how many there are."""
        rows = self.q.all(
            f"SELECT {_MEMBER_COLUMNS} FROM segment_members m JOIN profiles p"
            " ON p.account_id = m.account_id AND p.id = m.profile_id"
            " WHERE m.account_id = ? AND m.segment_id = ?"
            " ORDER BY m.since, m.profile_id LIMIT ? OFFSET ?",
            (account_id, segment_id, limit, offset),
        )
        return [MemberRow(*row) for row in rows], self.member_count(account_id, segment_id)

    def members_among(
        self, account_id: int, segment_id: int, profile_ids: Sequence[int]
    ) -> dict[int, float]:
        """Which of these profiles are members, with when they entered."""
        if not profile_ids:
            return {}
        rows = self.q.all(
            "SELECT profile_id, since FROM segment_members WHERE account_id = ?"
            f" AND segment_id = ? AND profile_id IN ({_marks(len(profile_ids))})",
            (account_id, segment_id, *profile_ids),
        )
        return {profile_id: since for profile_id, since in rows}

    def member_counts(self, account_id: int) -> dict[int, int]:
        """Members per segment (segments without members are left out)."""
        rows = self.q.all(
            "SELECT segment_id, count(*) FROM segment_members WHERE account_id = ?"
            " GROUP BY segment_id",
            (account_id,),
        )
        return {segment_id: count for segment_id, count in rows}

    def member_count(self, account_id: int, segment_id: int) -> int:
        row = self.q.one(
            "SELECT count(*) FROM segment_members WHERE account_id = ? AND segment_id = ?",
            (account_id, segment_id),
        )
        return int(row[0])
