"""v1 person: read, update (and unset) properties, and the person's event timelines."""

from __future__ import annotations

from typing import Any

from cairn.api.call import Call
from cairn.api.errors import not_found
from cairn.api.metrics import find_metric, timeline_page
from cairn.api.pages import found, public_id
from cairn.api.shapes import person_object
from cairn.people.actions import do_update_person
from cairn.people.rules import check_person_update, check_unset
from cairn.store import Queries
from cairn.store.records import ProfileRow


def find_person(call: Call, queries: Queries) -> ProfileRow:
    return found(call, "person", "person_id", queries.profile_by_id, not_found("Person"))


def get_person(call: Call) -> dict[str, Any]:
    with call.store.read() as queries:
        return person_object(find_person(call, queries))


def update_person(call: Call) -> dict[str, Any]:
    """Properties come as query or form parameters (or a JSON body); `$unset` lists names."""
    fields = call.parameters()
    unset = check_unset(fields.get("$unset"))
    updates = check_person_update(fields)
    profile_id = public_id(call, "person", "person_id")
    profile = (
        do_update_person(call.store, call.account_id, profile_id, updates, unset, call.now)
        if profile_id
        else None
    )
    if profile is None:
        raise not_found("Person")
    return person_object(profile)


def person_timeline(call: Call) -> dict[str, Any]:
    with call.store.read() as queries:
        profile = find_person(call, queries)
        return timeline_page(call, queries, profile_id=profile.id)


def person_metric_timeline(call: Call) -> dict[str, Any]:
    with call.store.read() as queries:
        profile = find_person(call, queries)
        metric = find_metric(call, queries)
        return timeline_page(call, queries, metric_id=metric.id, profile_id=profile.id)
