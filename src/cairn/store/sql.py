"""SQL shared by both backends, written once with `?` placeholders.

A backend supplies a DB-API cursor factory; PostgreSQL rewrites `?` to `%s`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import orjson

from cairn.inbox.records import KIND_BY_VALUE, InboxEntry
from cairn.pipeline.identity import KINDS, Identifiers
from cairn.store.records import Account, EventRow, NewEvent, ProfileRow, Rejection
from cairn.store.sql_rest import RestQueries
from cairn.store.statements import JsonProperty

# Identifier kind → profiles column.
IDENTIFIER_COLUMNS: dict[str, str] = {
    "email": "email",
    "phone": "phone",
    "external_id": "external_id",
    "exchange_id": "exchange_id",
}
_PROFILE_COLUMNS = (
    "id, account_id, email, phone, external_id, exchange_id, properties, created_at, updated_at"
)


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...
    def executemany(self, sql: str, params: Iterable[Sequence[Any]], /) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


def dumps(value: object) -> str:
    return orjson.dumps(value).decode()


def profile_from_row(row: Sequence[Any]) -> ProfileRow:
    identifiers = {kind: row[2 + i] for i, kind in enumerate(KINDS) if row[2 + i] is not None}
    return ProfileRow(
        id=row[0],
        account_id=row[1],
        identifiers=Identifiers(identifiers),
        properties=orjson.loads(row[6]),
        created_at=row[7],
        updated_at=row[8],
    )


class Queries(RestQueries):
    """Statements over one open cursor. `sql` adapts placeholder style for the backend.
    `lock_profiles` (" FOR UPDATE" on PostgreSQL's pipeline) is added to profile look-ups, so
    that a concurrent transaction cannot change a profile between its read and its update."""

    def __init__(
        self,
        cursor: Cursor,
        sql: Callable[[str], str],
        json_property: JsonProperty,
        lock_profiles: str = "",
    ) -> None:
        self.cursor = cursor
        self._sql = sql
        self.json_property = json_property
        self._lock_profiles = lock_profiles

    def run(self, statement: str, params: Sequence[Any] = ()) -> Any:
        return self.cursor.execute(self._sql(statement), params)

    def one(self, statement: str, params: Sequence[Any] = ()) -> Any:
        self.run(statement, params)
        return self.cursor.fetchone()

    def all(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        self.run(statement, params)
        return self.cursor.fetchall()

    def many(self, statement: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            self.cursor.executemany(self._sql(statement), rows)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: if the block raises, only its statements are undone."""
        self.run("SAVEPOINT nested")
        try:
            yield
        except BaseException:
            self.run("ROLLBACK TO SAVEPOINT nested")
            raise
        finally:
            self.run("RELEASE SAVEPOINT nested")

    # --- accounts and keys -------------------------------------------------------------------

    def insert_account(self, name: str, public_key: str, now: float) -> int:
        row = self.one(
            "INSERT INTO accounts (name, public_key, created_at) VALUES (?, ?, ?) RETURNING id",
            (name, public_key, now),
        )
        return int(row[0])

    def insert_api_key(
        self, account_id: int, key_hash: str, prefix: str, label: str, now: float
    ) -> None:
        self.run(
            "INSERT INTO api_keys (account_id, key_hash, prefix, label, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (account_id, key_hash, prefix, label, now),
        )

    def accounts(self) -> list[Account]:
        rows = self.all("SELECT id, name, public_key, created_at FROM accounts ORDER BY id")
        return [Account(*row) for row in rows]

    def account_by_public_key(self, public_key: str) -> Account | None:
        row = self.one(
            "SELECT id, name, public_key, created_at FROM accounts WHERE public_key = ?",
            (public_key,),
        )
        return Account(*row) if row else None

    def account_of_list(self, list_id: int) -> Account | None:
        """The account owning a list: front-end subscribe forms name only the list."""
        row = self.one(
            "SELECT a.id, a.name, a.public_key, a.created_at FROM lists l"
            " JOIN accounts a ON a.id = l.account_id WHERE l.id = ?",
            (list_id,),
        )
        return Account(*row) if row else None

    def account_by_key_hash(self, key_hash: str) -> Account | None:
        row = self.one(
            "SELECT a.id, a.name, a.public_key, a.created_at FROM api_keys k"
            " JOIN accounts a ON a.id = k.account_id"
            " WHERE k.key_hash = ? AND k.revoked_at IS NULL",
            (key_hash,),
        )
        return Account(*row) if row else None

    # --- inbox acknowledgement --------------------------------------------------------------

    def inbox_cursor(self) -> int:
        return int(self.one("SELECT value FROM pipeline_state WHERE name = 'inbox_cursor'")[0])

    def set_inbox_cursor(self, value: int) -> None:
        self.run("UPDATE pipeline_state SET value = ? WHERE name = 'inbox_cursor'", (value,))

    # --- profiles ---------------------------------------------------------------------------

    def profile_by_identifier(self, account_id: int, kind: str, value: str) -> ProfileRow | None:
        column = IDENTIFIER_COLUMNS[kind]
        row = self.one(
            f"SELECT {_PROFILE_COLUMNS} FROM profiles WHERE account_id = ? AND {column} = ?"
            + self._lock_profiles,
            (account_id, value),
        )
        return profile_from_row(row) if row else None

    def profiles_by_identifiers(
        self, account_id: int, kind: str, values: Sequence[str]
    ) -> list[ProfileRow]:
        column = IDENTIFIER_COLUMNS[kind]
        rows: list[Any] = []
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            rows += self.all(
                f"SELECT {_PROFILE_COLUMNS} FROM profiles WHERE account_id = ?"
                f" AND {column} IN ({', '.join('?' * len(chunk))}){self._lock_profiles}",
                (account_id, *chunk),
            )
        return [profile_from_row(row) for row in rows]

    def profile_by_id(self, account_id: int, profile_id: int) -> ProfileRow | None:
        """A profile by id, following merges to the survivor."""
        for _ in range(16):
            row = self.one(
                f"SELECT {_PROFILE_COLUMNS}, merged_into FROM profiles"
                f" WHERE account_id = ? AND id = ?{self._lock_profiles}",
                (account_id, profile_id),
            )
            if row is None:
                return None
            if row[9] is None:
                return profile_from_row(row)
            profile_id = row[9]
        return None

    def insert_profile(
        self,
        account_id: int,
        identifiers: Identifiers,
        properties: dict[str, object],
        now: float,
    ) -> int:
        row = self.one(
            "INSERT INTO profiles (account_id, email, phone, external_id, exchange_id,"
            " properties, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                account_id,
                *(identifiers.get(kind) for kind in KINDS),
                dumps(properties),
                now,
                now,
            ),
        )
        return int(row[0])

    def update_profile(self, profile: ProfileRow) -> None:
        self.run(
            "UPDATE profiles SET email = ?, phone = ?, external_id = ?, exchange_id = ?,"
            " properties = ?, updated_at = ? WHERE account_id = ? AND id = ?",
            (
                *(profile.identifiers.get(kind) for kind in KINDS),
                dumps(profile.properties),
                profile.updated_at,
                profile.account_id,
                profile.id,
            ),
        )

    def update_profile_properties(self, profile: ProfileRow) -> None:
        """`update_profile` when the identifiers are unchanged: their indexes are left alone."""
        self.run(
            "UPDATE profiles SET properties = ?, updated_at = ? WHERE account_id = ? AND id = ?",
            (dumps(profile.properties), profile.updated_at, profile.account_id, profile.id),
        )

    def absorb_profile(
        self, account_id: int, survivor_id: int, absorbed_id: int, now: float
    ) -> None:
        """Move the absorbed profile's events, rollup share and list memberships to the
        survivor and leave a redirect behind. Its segment memberships just end: the survivor
        is evaluated afresh."""
        self.move_rollups(account_id, absorbed_id, survivor_id)
        self.move_memberships(account_id, absorbed_id, survivor_id)
        self.drop_segment_state(account_id, absorbed_id)
        self.run(
            "DELETE FROM events WHERE account_id = ? AND profile_id = ? AND EXISTS ("
            " SELECT 1 FROM events s WHERE s.account_id = events.account_id"
            " AND s.profile_id = ? AND s.metric_id = events.metric_id"
            " AND s.event_id = events.event_id)",
            (account_id, absorbed_id, survivor_id),
        )
        self.run(
            "UPDATE events SET profile_id = ? WHERE account_id = ? AND profile_id = ?",
            (survivor_id, account_id, absorbed_id),
        )
        self.run(
            "UPDATE profiles SET email = NULL, phone = NULL, external_id = NULL,"
            " exchange_id = NULL, merged_into = ?, updated_at = ? WHERE account_id = ? AND id = ?",
            (survivor_id, now, account_id, absorbed_id),
        )
        self.run(
            "UPDATE profiles SET merged_into = ? WHERE account_id = ? AND merged_into = ?",
            (survivor_id, account_id, absorbed_id),
        )
        self.run(
            "INSERT INTO merges (account_id, survivor_id, absorbed_id, merged_at)"
            " VALUES (?, ?, ?, ?)",
            (account_id, survivor_id, absorbed_id, now),
        )

    def drop_segment_state(self, account_id: int, profile_id: int) -> None:
        """Forget a profile's segment memberships and rechecks (merged away or deleted)."""
        for table in ("segment_members", "segment_rechecks"):
            self.run(
                f"DELETE FROM {table} WHERE account_id = ? AND profile_id = ?",
                (account_id, profile_id),
            )

    def record_conflict(
        self, account_id: int, profile_id: int, other_profile_id: int, kind: str, now: float
    ) -> None:
        self.run(
            "INSERT INTO identity_conflicts"
            " (account_id, profile_id, other_profile_id, kind, recorded_at) VALUES (?, ?, ?, ?, ?)",
            (account_id, profile_id, other_profile_id, kind, now),
        )

    # --- metrics and events -----------------------------------------------------------------

    def metrics_of(self, account_id: int) -> dict[str, int]:
        rows = self.all("SELECT name, id FROM metrics WHERE account_id = ?", (account_id,))
        return {name: metric_id for name, metric_id in rows}

    def insert_metric(self, account_id: int, name: str, now: float) -> int:
        row = self.one(
            "INSERT INTO metrics (account_id, name, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (account_id, name) DO UPDATE SET name = excluded.name RETURNING id",
            (account_id, name, now),
        )
        return int(row[0])

    def has_event(self, account_id: int, metric_id: int, profile_id: int) -> bool:
        row = self.one(
            "SELECT 1 FROM events WHERE account_id = ? AND profile_id = ? AND metric_id = ?"
            " LIMIT 1",
            (account_id, profile_id, metric_id),
        )
        return row is not None

    def insert_event(
        self,
        account_id: int,
        metric_id: int,
        profile_id: int,
        time: int,
        value: float | None,
        event_id: str,
        properties: dict[str, object],
        received_at: float,
        now: float,
    ) -> bool:
        """Insert unless the dedupe key exists; True when a row was added."""
        event = NewEvent(
            account_id, metric_id, profile_id, time, value, event_id, properties, received_at, now
        )
        return self.insert_events([event])[0]

    def insert_events(self, events: Sequence[NewEvent]) -> list[bool]:
        """Insert, in order, those whose dedupe key is new; for each event, whether it was.
        Several rows per statement: one round trip for up to 500 events."""
        added: set[tuple[int, int, int, str]] = set()
        for start in range(0, len(events), 500):
            chunk = events[start : start + 500]
            added.update(
                self.all(
                    "INSERT INTO events (account_id, metric_id, profile_id, time, value, event_id,"
                    " properties, received_at, applied_at) VALUES "
                    + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
                    + " ON CONFLICT (account_id, metric_id, profile_id, event_id) DO NOTHING"
                    " RETURNING account_id, metric_id, profile_id, event_id",
                    [
                        value
                        for e in chunk
                        for value in (
                            e.account_id,
                            e.metric_id,
                            e.profile_id,
                            e.time,
                            e.value,
                            e.event_id,
                            dumps(e.properties),
                            e.received_at,
                            e.applied_at,
                        )
                    ],
                )
            )
        # The first event with a new key is the one inserted; a repeat of it is a duplicate.
        inserted = []
        for e in events:
            key = (e.account_id, e.metric_id, e.profile_id, e.event_id)
            inserted.append(key in added)
            added.discard(key)
        return inserted

    # --- rejected ---------------------------------------------------------------------------

    def insert_rejection(
        self,
        account_id: int | None,
        kind: str,
        payload: str,
        reason: str,
        received_at: float,
        now: float,
    ) -> None:
        self.run(
            "INSERT INTO rejected (account_id, kind, payload, reason, received_at, rejected_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (account_id, kind, payload, reason, received_at, now),
        )

    def rejections(self, account_id: int, limit: int = 100) -> list[Rejection]:
        rows = self.all(
            "SELECT id, account_id, kind, payload, reason, received_at, rejected_at"
            " FROM rejected WHERE account_id = ? ORDER BY id DESC LIMIT ?",
            (account_id, limit),
        )
        return [Rejection(*row) for row in rows]

    # --- what an account holds --------------------------------------------------------------

    def counts(self, account_id: int) -> dict[str, int]:
        """Rows per table for one account; merged-away profiles are not counted."""
        row = self.one(
            "SELECT (SELECT count(*) FROM profiles WHERE account_id = ? AND merged_into IS NULL),"
            " (SELECT count(*) FROM events WHERE account_id = ?),"
            " (SELECT count(*) FROM metrics WHERE account_id = ?),"
            " (SELECT count(*) FROM merges WHERE account_id = ?),"
            " (SELECT count(*) FROM identity_conflicts WHERE account_id = ?),"
            " (SELECT count(*) FROM rejected WHERE account_id = ?)",
            (account_id,) * 6,
        )
        names = ("profiles", "events", "metrics", "merges", "identity_conflicts", "rejected")
        return dict(zip(names, (int(count) for count in row), strict=True))

    def events(self, account_id: int, profile_id: int | None = None) -> list[EventRow]:
        """Events of an account, or of one of its profiles, oldest first."""
        where, params = "e.account_id = ?", [account_id]
        if profile_id is not None:
            where, params = where + " AND e.profile_id = ?", [account_id, profile_id]
        rows = self.all(
            "SELECT e.id, m.name, e.profile_id, e.time, e.value, e.event_id, e.properties"
            " FROM events e JOIN metrics m ON m.account_id = e.account_id AND m.id = e.metric_id"
            f" WHERE {where} ORDER BY e.time, e.id",
            params,
        )
        return [
            EventRow(
                id=row[0],
                metric=row[1],
                profile_id=row[2],
                time=row[3],
                value=row[4],
                event_id=row[5],
                properties=orjson.loads(row[6]),
            )
            for row in rows
        ]

    def merges(self, account_id: int) -> list[tuple[int, int]]:
        """(survivor, absorbed) profile ids, in the order the merges happened."""
        rows = self.all(
            "SELECT survivor_id, absorbed_id FROM merges WHERE account_id = ? ORDER BY id",
            (account_id,),
        )
        return [(int(survivor), int(absorbed)) for survivor, absorbed in rows]

    def identity_conflicts(self, account_id: int) -> list[tuple[int, int, str]]:
        """(profile the payload went to, profile kept apart, identifier kind)."""
        rows = self.all(
            "SELECT profile_id, other_profile_id, kind FROM identity_conflicts"
            " WHERE account_id = ? ORDER BY id",
            (account_id,),
        )
        return [(int(profile), int(other), str(kind)) for profile, other, kind in rows]


def inbox_entry(row: Sequence[Any]) -> InboxEntry:
    return InboxEntry(row[0], KIND_BY_VALUE[row[1]], row[2], row[3], bytes(row[4]), row[5])
