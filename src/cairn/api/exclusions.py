"""v1 global exclusions (suppressions): list them page style, add one by email."""

from __future__ import annotations

from typing import Any

from cairn.api.call import Call
from cairn.api.errors import BadRequest
from cairn.api.lists import EXCLUSIONS_MAX_COUNT
from cairn.api.pages import choice_field, int_field, page_envelope, page_params
from cairn.api.shapes import exclusion_object
from cairn.pipeline.identity import normalize_email
from cairn.pipeline.segments import refresh_segments

REASONS = ("unsubscribed", "bounced", "invalid_email", "reported_spam", "manually_excluded")
MANUAL = "manually_excluded"


def list_exclusions(call: Call) -> dict[str, Any]:
    """`reason` filters; without it every reason is listed."""
    page, count = page_params(call, 50, EXCLUSIONS_MAX_COUNT)
    reason = call.text("reason") or None
    if reason is not None and reason not in REASONS:
        raise BadRequest(f"reason must be one of: {', '.join(REASONS)}")
    newest_first = choice_field(call, "sort", ("asc", "desc")) == "desc"
    with call.store.read() as queries:
        rows, total = queries.exclusions_page(
            call.account_id, reason, page * count, count, newest_first
        )
    data = [exclusion_object(r.email, r.reason, r.created_at) for r in rows]
    return page_envelope(data, page, count, total)


def add_exclusion(call: Call) -> dict[str, str]:
    """Suppress an email address from all lists (`timestamp`, unix seconds, is optional)."""
    email = normalize_email(call.text("email") or "")
    if email is None:
        raise BadRequest("email is required and must be an email address")
    at = int_field(call, "timestamp", int(call.now), 0, 2**40)
    with call.store.transaction() as queries:
        queries.add_exclusion(call.account_id, email, MANUAL, float(at))
        profile = queries.profile_by_identifier(call.account_id, "email", email)
        if profile is not None:
            refresh_segments(queries, call.account_id, [profile.id], call.now)
    return {"object": "exclusion", "email": email}
