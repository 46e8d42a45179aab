"""Segments over REST: v2-style CRUD (`/api/v2/segments`, `/api/v2/segment/{id}`), and the
legacy group member routes — v1 `segment/{id}/members` and v2 `group/{id}/members/all` — which
serve lists and segments alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson

from cairn.api import ids
from cairn.api.call import EMPTY, Call, Empty
from cairn.api.errors import NotFound, not_found
from cairn.api.lists import GROUP_PAGE_SIZE
from cairn.api.pages import marker_field, marker_page, page_envelope, page_params, public_id
from cairn.api.shapes import iso, member_record, timestamp
from cairn.checks import Invalid
from cairn.lists.actions import find_profiles
from cairn.lists.rules import check_identifiers
from cairn.segments.actions import (
    SegmentNotFound,
    do_create_segment,
    do_delete_segment,
    do_update_segment,
)
from cairn.store import Queries
from cairn.store.records import MemberRow
from cairn.store.segment_queries import SegmentQueries, SegmentRow

NO_GROUP = "List or segment does not exist."


@dataclass(frozen=True)
class Group:
    """A list or a segment, as the member routes read it."""

    among: Callable[[list[int]], dict[int, float]]
    page: Callable[[int, int], tuple[list[MemberRow], int]]
    after: Callable[[int, int], list[MemberRow]]


def find_group(call: Call, queries: Queries, name: str) -> Group:
    text, account_id = call.path[name], call.account_id
    list_id = ids.decode("list", text)
    if list_id is not None and queries.list_by_id(account_id, list_id) is not None:
        return Group(
            partial(queries.members_among, account_id, list_id),
            partial(queries.list_members_page, account_id, list_id),
            partial(queries.list_members_after, account_id, list_id),
        )
    segment_id = ids.decode("segment", text)
    segments = SegmentQueries(queries)
    if segment_id is not None and segments.segment(account_id, segment_id) is not None:
        return Group(
            partial(segments.members_among, account_id, segment_id),
            partial(segments.members_page, account_id, segment_id),
            partial(segments.members_after, account_id, segment_id),
        )
    raise NotFound(NO_GROUP)


def segment_members(call: Call) -> list[dict[str, Any]] | dict[str, Any]:
    """With `email` (comma-separated, at most 100): the members among them. Without: all
    members, page style."""
    emails = call.values("email")
    if emails:
        identifiers = check_identifiers(emails, [], [])
        with call.store.read() as queries:
            group = find_group(call, queries, "segment_id")
            matches = find_profiles(queries, call.account_id, identifiers)
            joined = group.among([m.profile.id for m in matches])
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
        rows, total = find_group(call, queries, "segment_id").page(page * count, count)
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
        rows = find_group(call, queries, "group_id").after(marker, GROUP_PAGE_SIZE + 1)
    page = rows[:GROUP_PAGE_SIZE]
    more = len(rows) > GROUP_PAGE_SIZE
    return marker_page([member_record(m) for m in page], page[-1].profile_id if more else None)


# --- the segments themselves -------------------------------------------------------------------


def _segment_id(call: Call) -> int:
    segment_id = public_id(call, "segment", "segment_id")
    if segment_id is None:
        raise not_found("Segment")
    return segment_id


def _definition(call: Call, required: bool) -> object:
    """The `definition` field: a JSON object, or JSON text (from a form or query string)."""
    value: object = call.field("definition")
    if value is None and required:
        raise Invalid("definition is required")
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise Invalid("definition must be JSON") from None
    return value


def segment_object(row: SegmentRow, member_count: int) -> dict[str, Any]:
    return {
        "segment_id": ids.encode("segment", row.id),
        "segment_name": row.name,
        "definition": orjson.loads(row.definition),
        "member_count": member_count,
        "built": row.built_version == row.version,
        "created": timestamp(row.created_at),
        "updated": timestamp(row.updated_at),
    }


def all_segments(call: Call) -> list[dict[str, str]]:
    with call.store.read() as queries:
        rows = SegmentQueries(queries).segments_of(call.account_id)
    return [{"segment_id": ids.encode("segment", r.id), "segment_name": r.name} for r in rows]


def create_segment(call: Call) -> dict[str, str]:
    row = do_create_segment(
        call.store,
        call.account_id,
        call.field("segment_name"),
        _definition(call, required=True),
        call.now,
    )
    return {"segment_id": ids.encode("segment", row.id)}


def get_segment(call: Call) -> dict[str, Any]:
    segment_id = _segment_id(call)
    with call.store.read() as queries:
        segments = SegmentQueries(queries)
        row = segments.segment(call.account_id, segment_id)
        if row is None:
            raise not_found("Segment")
        return segment_object(row, segments.member_count(call.account_id, segment_id))


def update_segment(call: Call) -> Empty:
    """Rename and/or redefine; a new definition is rebuilt by the worker."""
    name, definition = call.field("segment_name"), _definition(call, required=False)
    if name is None and definition is None:
        raise Invalid("give segment_name and/or definition")
    try:
        do_update_segment(call.store, call.account_id, _segment_id(call), name, definition)
    except SegmentNotFound:
        raise not_found("Segment") from None
    return EMPTY


def delete_segment(call: Call) -> Empty:
    try:
        do_delete_segment(call.store, call.account_id, _segment_id(call))
    except SegmentNotFound:
        raise not_found("Segment") from None
    return EMPTY
