"""v2 people search: a profile id by email address."""

from __future__ import annotations

from cairn.api import ids
from cairn.api.call import Call
from cairn.api.errors import BadRequest, NotFound
from cairn.pipeline.identity import normalize_email


def search_people(call: Call) -> dict[str, str]:
    email = call.text("email")
    if not email:
        raise BadRequest("email is required")
    normalized = normalize_email(email)
    if normalized is None:
        raise BadRequest("email is not an email address")
    with call.store.read() as queries:
        profile = queries.profile_by_identifier(call.account_id, "email", normalized)
    if profile is None:
        raise NotFound("No profile with that email address.")
    return {"id": ids.encode("person", profile.id)}
