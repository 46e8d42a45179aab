"""Person edits and data-privacy deletions (`do_*` mutate the store)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from cairn.checks import Invalid
from cairn.pipeline.identity import (
    IDENTIFIER_KEYS,
    KINDS,
    Identifiers,
    extract_identifiers,
    identifier_properties,
)
from cairn.pipeline.segments import refresh_segments
from cairn.store import Store
from cairn.store.records import ProfileRow

# `$` names of identifier properties → identifier kind
_IDENTIFIER_NAMES = {
    name: kind for kind in KINDS for name in identifier_properties(Identifiers({kind: "-"}))
}
_DELETION_KINDS = {"email": "email", "phone_number": "phone"}


def do_update_person(
    store: Store,
    account_id: int,
    profile_id: int,
    updates: Mapping[str, object],
    unset: list[str],
    now: float,
) -> ProfileRow | None:
    """Set and unset properties; identifiers change too, unless another profile holds one.
    None when the profile does not exist."""
    with store.transaction() as queries:
        profile = queries.profile_by_id(account_id, profile_id)
        if profile is None:
            return None
        incoming = extract_identifiers(updates)
        for kind, value in incoming.values.items():
            owner = queries.profile_by_identifier(account_id, kind, value)
            if owner is not None and owner.id != profile.id:
                raise Invalid(f"{kind} {value!r} belongs to another profile")
        identifiers = {**profile.identifiers.values, **incoming.values}
        properties = {k: v for k, v in updates.items() if k not in IDENTIFIER_KEYS}
        properties = {**profile.properties, **properties, **identifier_properties(incoming)}
        for key in unset:
            properties.pop(key, None)
            identifiers.pop(_IDENTIFIER_NAMES.get(key, ""), None)
        profile.properties = properties
        profile.identifiers = Identifiers(identifiers)
        profile.updated_at = max(profile.updated_at, now)
        queries.update_profile(profile)
        refresh_segments(queries, account_id, [profile.id], now)
        return profile


@dataclass(frozen=True)
class Deletion:
    profiles: int
    events: int


def identifier_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def do_delete_person(
    store: Store, account_id: int, key: str, value: str, now: float, profile_id: int | None = None
) -> Deletion:
    """Purge the profile `key` = `value` names (if any; for `person_id` the decoded id is
    `profile_id`), with its events, rollup share and memberships; record the request with the
    identifier hashed."""
    with store.transaction() as queries:
        if key == "person_id":
            profile = queries.profile_by_id(account_id, profile_id) if profile_id else None
        else:
            profile = queries.profile_by_identifier(account_id, _DELETION_KINDS[key], value)
        events = queries.delete_profile(account_id, profile.id) if profile else 0
        deletion = Deletion(1 if profile else 0, events)
        queries.insert_deletion_request(
            account_id, key, identifier_hash(value), deletion.profiles, events, now
        )
    return deletion
