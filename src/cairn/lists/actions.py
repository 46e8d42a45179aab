"""List changes (`do_*` mutate the store) and the profile look-ups they share with reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cairn.api import ids as public_ids
from cairn.pipeline.apply import BatchApplier
from cairn.pipeline.identity import extract_identifiers
from cairn.pipeline.segments import rebuild_segments_reading_list, refresh_segments
from cairn.store import Queries, Store
from cairn.store.records import ProfileRow

UNSUBSCRIBED = "unsubscribed"


@dataclass(frozen=True)
class Match:
    """A profile found by one identifier of a request."""

    kind: str
    value: str
    profile: ProfileRow


def find_profiles(
    queries: Queries, account_id: int, identifiers: Sequence[tuple[str, str]]
) -> list[Match]:
    found = []
    for kind, value in identifiers:
        profile = queries.profile_by_identifier(account_id, kind, value)
        if profile is not None:
            found.append(Match(kind, value, profile))
    return found


def do_create_list(store: Store, account_id: int, name: str, now: float) -> int:
    with store.transaction() as queries:
        return queries.insert_list(account_id, name, now)


def do_rename_list(store: Store, account_id: int, list_id: int, name: str, now: float) -> bool:
    with store.transaction() as queries:
        if queries.list_by_id(account_id, list_id) is None:
            return False
        queries.rename_list(account_id, list_id, name, now)
        return True


def do_delete_list(store: Store, account_id: int, list_id: int) -> bool:
    with store.transaction() as queries:
        if queries.list_by_id(account_id, list_id) is None:
            return False
        queries.delete_list(account_id, list_id)
        rebuild_segments_reading_list(queries, account_id, public_ids.encode("list", list_id))
        return True


@dataclass(frozen=True)
class Added:
    profile: ProfileRow
    by_phone: bool
    joined_at: float


def do_add_profiles(
    store: Store,
    account_id: int,
    list_id: int,
    profiles: list[dict[str, object]],
    subscribe: bool,
    now: float,
) -> list[Added] | None:
    """Find or create each profile by the identity rules and add it to the list. `subscribe`
    (an explicit opt-in) also lifts the profile's exclusion from this list. None when the list
    does not exist."""
    applier = BatchApplier(lambda: now)
    with store.transaction() as queries:
        if queries.list_by_id(account_id, list_id) is None:
            return None
        rows = [applier.upsert_profile(queries, account_id, p, now) for p in profiles]
        ids = [row.id for row in rows]
        queries.add_list_members(account_id, list_id, ids, now)
        if subscribe:
            queries.remove_list_exclusions(account_id, list_id, ids)
        joined = queries.members_among(account_id, list_id, ids)
        refresh_segments(queries, account_id, ids, now)
    return [
        Added(row, "phone" in extract_identifiers(sent).values, joined[row.id])
        for row, sent in zip(rows, profiles, strict=True)
    ]


def do_remove_profiles(
    store: Store,
    account_id: int,
    list_id: int,
    identifiers: Sequence[tuple[str, str]],
    unsubscribe: bool,
    now: float,
) -> bool:
    """Take the matching profiles off the list; `unsubscribe` also records a list exclusion.
    False when the list does not exist."""
    with store.transaction() as queries:
        if queries.list_by_id(account_id, list_id) is None:
            return False
        ids = [match.profile.id for match in find_profiles(queries, account_id, identifiers)]
        queries.remove_list_members(account_id, list_id, ids)
        if unsubscribe:
            queries.add_list_exclusions(account_id, list_id, ids, UNSUBSCRIBED, now)
        refresh_segments(queries, account_id, ids, now)
        return True
