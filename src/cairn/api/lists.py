"""v2 lists (create, read, rename, delete; subscribe and members: add, check, remove; exclusions)
and the v1 list index and list exclusions. Lists are single opt-in: Cairn sends no
confirmation email, so subscribe adds at once."""

from __future__ import annotations

from typing import Any

from cairn.api import ids
from cairn.api.call import EMPTY, Call, Empty
from cairn.api.errors import not_found
from cairn.api.pages import (
    choice_field,
    found,
    marker_field,
    marker_page,
    page_envelope,
    page_params,
    public_id,
)
from cairn.api.shapes import exclusion_object, iso, member_record, timestamp
from cairn.lists.actions import (
    Added,
    do_add_profiles,
    do_create_list,
    do_delete_list,
    do_remove_profiles,
    do_rename_list,
    find_profiles,
)
from cairn.lists.rules import check_identifiers, check_list_name, check_profiles
from cairn.store import Queries
from cairn.store.records import ListRow
from cairn.store.segment_queries import SegmentQueries

GROUP_PAGE_SIZE = 1000
EXCLUSIONS_MAX_COUNT = 5000


def find_list(call: Call, queries: Queries, name: str = "list_id") -> ListRow:
    return found(call, "list", name, queries.list_by_id, not_found("List"))


def _list_id(call: Call) -> int:
    """The list id of the path, or 404 when it cannot name a list."""
    list_id = public_id(call, "list", "list_id")
    if list_id is None:
        raise not_found("List")
    return list_id


# --- the lists themselves ----------------------------------------------------------------------


def all_lists(call: Call) -> list[dict[str, str]]:
    with call.store.read() as queries:
        rows = queries.lists_of(call.account_id)
    return [{"list_id": ids.encode("list", r.id), "list_name": r.name} for r in rows]


def create_list(call: Call) -> dict[str, str]:
    name = check_list_name(call.field("list_name"))
    list_id = do_create_list(call.store, call.account_id, name, call.now)
    return {"list_id": ids.encode("list", list_id)}


def get_list(call: Call) -> dict[str, Any]:
    with call.store.read() as queries:
        row = find_list(call, queries)
    return {
        "list_id": ids.encode("list", row.id),
        "list_name": row.name,
        "folder_id": None,
        "opt_in_process": row.opt_in,
        "created": timestamp(row.created_at),
        "updated": timestamp(row.updated_at),
    }


def rename_list(call: Call) -> Empty:
    name = check_list_name(call.field("list_name"))
    if not do_rename_list(call.store, call.account_id, _list_id(call), name, call.now):
        raise not_found("List")
    return EMPTY


def delete_list(call: Call) -> Empty:
    if not do_delete_list(call.store, call.account_id, _list_id(call)):
        raise not_found("List")
    return EMPTY


def v1_lists(call: Call) -> dict[str, Any]:
    """Lists, then segments (`list_type` tells them apart)."""
    page, count = page_params(call, 50, 100)
    with call.store.read() as queries:
        rows = queries.lists_of(call.account_id, with_counts=True)
        segments = SegmentQueries(queries)
        segment_rows = segments.segments_of(call.account_id)
        counts = segments.member_counts(call.account_id)
    groups = [
        ("list", ids.encode("list", r.id), r.name, r.created_at, r.updated_at, r.member_count)
        for r in rows
    ] + [
        (
            "segment",
            ids.encode("segment", s.id),
            s.name,
            s.created_at,
            s.updated_at,
            counts.get(s.id, 0),
        )
        for s in segment_rows
    ]
    data = [
        {
            "object": "list",
            "id": group_id,
            "name": name,
            "list_type": kind,
            "folder": None,
            "created": timestamp(created),
            "updated": timestamp(updated),
            "person_count": members,
        }
        for kind, group_id, name, created, updated, members in groups[
            page * count : (page + 1) * count
        ]
    ]
    return page_envelope(data, page, count, len(groups))


# --- subscribe and members ---------------------------------------------------------------------


def _added_records(added: list[Added]) -> list[dict[str, Any]]:
    records = []
    for item in added:
        record: dict[str, Any] = {"id": ids.encode("person", item.profile.id)}
        email = item.profile.identifiers.get("email")
        phone = item.profile.identifiers.get("phone")
        if email:
            record["email"] = email
        if item.by_phone and phone:
            record["phone_number"] = phone
        record["created"] = iso(item.joined_at)
        records.append(record)
    return records


def _add(call: Call, subscribe: bool) -> list[dict[str, Any]]:
    profiles = check_profiles(call.field("profiles"))
    added = do_add_profiles(
        call.store, call.account_id, _list_id(call), profiles, subscribe, call.now
    )
    if added is None:
        raise not_found("List")
    return _added_records(added)


def _identifiers(call: Call) -> list[tuple[str, str]]:
    return check_identifiers(
        call.values("emails"), call.values("phone_numbers"), call.values("push_tokens")
    )


def _check(call: Call, subscribed_only: bool) -> list[dict[str, Any]]:
    """Which of the given identifiers are on the list (and, for subscribe, not suppressed)."""
    identifiers = _identifiers(call)
    with call.store.read() as queries:
        row = find_list(call, queries)
        matches = find_profiles(queries, call.account_id, identifiers)
        profile_ids = [m.profile.id for m in matches]
        joined = queries.members_among(call.account_id, row.id, profile_ids)
        blocked: set[int] = set()
        if subscribed_only:
            blocked = queries.excluded_among(call.account_id, row.id, profile_ids)
            emails = [m.profile.identifiers.get("email") or "" for m in matches]
            suppressed = queries.excluded_emails(call.account_id, [e for e in emails if e])
            blocked |= {
                m.profile.id for m in matches if m.profile.identifiers.get("email") in suppressed
            }
    records = []
    for match in matches:
        if match.profile.id not in joined or match.profile.id in blocked:
            continue
        key = "email" if match.kind == "email" else "phone_number"
        records.append(
            {
                "id": ids.encode("person", match.profile.id),
                key: match.value,
                "created": iso(joined[match.profile.id]),
            }
        )
    return records


def _remove(call: Call, unsubscribe: bool) -> Empty:
    identifiers = _identifiers(call)
    if not do_remove_profiles(
        call.store, call.account_id, _list_id(call), identifiers, unsubscribe, call.now
    ):
        raise not_found("List")
    return EMPTY


def subscribe(call: Call) -> list[dict[str, Any]]:
    return _add(call, subscribe=True)


def subscribed(call: Call) -> list[dict[str, Any]]:
    return _check(call, subscribed_only=True)


def unsubscribe(call: Call) -> Empty:
    return _remove(call, unsubscribe=True)


def add_members(call: Call) -> list[dict[str, Any]]:
    return _add(call, subscribe=False)


def members(call: Call) -> list[dict[str, Any]]:
    return _check(call, subscribed_only=False)


def remove_members(call: Call) -> Empty:
    return _remove(call, unsubscribe=False)


# --- exclusions --------------------------------------------------------------------------------


def exclusions_all(call: Call) -> dict[str, Any]:
    marker = marker_field(call)
    with call.store.read() as queries:
        row = find_list(call, queries)
        rows = queries.list_exclusions_after(call.account_id, row.id, marker, GROUP_PAGE_SIZE + 1)
    page = rows[:GROUP_PAGE_SIZE]
    records = []
    for excluded in page:
        record = member_record(excluded)
        record["reason"] = excluded.reason
        record["created"] = iso(excluded.created_at)
        if excluded.phone is not None:
            record["phone_reason"] = excluded.reason
        records.append(record)
    more = len(rows) > GROUP_PAGE_SIZE
    return marker_page(records, page[-1].profile_id if more else None)


def v1_list_exclusions(call: Call) -> dict[str, Any]:
    page, count = page_params(call, 50, EXCLUSIONS_MAX_COUNT)
    newest_first = choice_field(call, "sort", ("asc", "desc")) == "desc"
    with call.store.read() as queries:
        row = find_list(call, queries)
        rows, total = queries.list_exclusions_page(
            call.account_id, row.id, page * count, count, newest_first
        )
    data = [exclusion_object(r.email, r.reason, r.created_at) for r in rows]
    return page_envelope(data, page, count, total)
