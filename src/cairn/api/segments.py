"""Group members: v1 segment members and v2 `group/{id}/members/all`.

Until the segment engine lands these serve list groups only: a list id works wherever a
segment id is asked for; a segment id answers 404.
"""

from __future__ import annotations

from typing import Any

from cairn.api import ids
from cairn.api.call import Call
from cairn.api.errors import NotFound
from cairn.api.lists import GROUP_PAGE_SIZE
from cairn.api.pages import found, marker_field, marker_page, page_envelope, page_params
from cairn.api.shapes import iso, member_record, timestamp
from cairn.lists.actions import find_profiles
from cairn.lists.rules import check_identifiers
from cairn.store import Queries
from cairn.store.records import ListRow

NO_GROUP = "List or segment does not exist. Cairn serves list groups only until segments land."


def find_group(call: Call, queries: Queries, name: str) -> ListRow:
    return found(call, "list", name, queries.list_by_id, NotFound(NO_GROUP))


def segment_members(call: Call) -> list[dict[str, Any]] | dict[str, Any]:
    """With `email` (comma-separated, at most 100): the members among them. Without: all
    members, page style."""
    emails = call.values("email")
    if emails:
        identifiers = check_identifiers(emails, [], [])
        with call.store.read() as queries:
            row = find_group(call, queries, "segment_id")
            matches = find_profiles(queries, call.account_id, identifiers)
            joined = queries.members_among(call.account_id, row.id, [m.profile.id for m in matches])
        return [
            {
                "id": ids.encode("person", m.profile.id),
                "email": m.value,
                "created": iso(joined[m.profile.id]),
            }
            for m in matches
            if m.profile.id in joined
        ]
    page, count = page_params(call, 50, 100)
    with call.store.read() as queries:
        row = find_group(call, queries, "segment_id")
        rows, total = queries.list_members_page(call.account_id, row.id, page * count, count)
    data = [
        {
            "object": "membership",
            "email": member.email,
            "date_added": timestamp(member.created_at),
            "person": {"object": "person", **member_record(member)},
        }
        for member in rows
    ]
    return page_envelope(data, page, count, total)


def group_members_all(call: Call) -> dict[str, Any]:
    marker = marker_field(call)
    with call.store.read() as queries:
        row = find_group(call, queries, "group_id")
        rows = queries.list_members_after(call.account_id, row.id, marker, GROUP_PAGE_SIZE + 1)
    page = rows[:GROUP_PAGE_SIZE]
    more = len(rows) > GROUP_PAGE_SIZE
    return marker_page([member_record(m) for m in page], page[-1].profile_id if more else None)
