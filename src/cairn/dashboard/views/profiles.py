"""Profiles: search, and one profile with its identifiers, properties, merges and timeline."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cairn.dashboard.auth import Viewer
from cairn.dashboard.web import dashboard_of, render
from cairn.pipeline.identity import normalize_phone
from cairn.store.dashboard import DashboardQueries

SEARCH_LIMIT = 50
TIMELINE_PAGE = 25
NEWEST = (2**62, 2**62)  # a (time, id) position after every event


def check_cursor(text: str | None) -> tuple[int, int] | None:
    """`TIME:ID` of the last event shown, as the timeline's `before` parameter."""
    if not text:
        return None
    time_text, _, id_text = text.partition(":")
    if not time_text.isdigit() or not id_text.isdigit():
        raise ValueError("before is TIME:ID")
    return int(time_text), int(id_text)


def profile_search(request: Request, viewer: Viewer) -> Response:
    text = request.query_params.get("q", "").strip()
    profiles = []
    if text:
        with dashboard_of(request).store.read() as queries:
            profiles = DashboardQueries(queries).search_profiles(
                viewer.account.id, text, SEARCH_LIMIT, normalize_phone(text)
            )
    return render(request, "profiles.html", viewer, q=text, profiles=profiles)


def profile_page(request: Request, viewer: Viewer) -> Response:
    try:
        before = check_cursor(request.query_params.get("before"))
    except ValueError as error:
        return render(request, "error.html", viewer, status_code=400, message=str(error))
    profile_id = request.path_params["profile_id"]
    account_id = viewer.account.id
    with dashboard_of(request).store.read() as queries:
        profile = queries.profile_by_id(account_id, profile_id)
        if profile is None:
            return render(
                request, "error.html", viewer, status_code=404, message="No such profile."
            )
        if profile.id != profile_id:
            return RedirectResponse(f"/profiles/{profile.id}", status_code=303)
        events = queries.timeline(
            account_id, before or NEWEST, False, TIMELINE_PAGE + 1, profile_id=profile.id
        )
        store = DashboardQueries(queries)
        merges = store.merges(account_id, profile.id)
        lists = store.lists_of_profile(account_id, profile.id)
    older = None
    if len(events) > TIMELINE_PAGE:
        events = events[:TIMELINE_PAGE]
        older = f"{events[-1].time}:{events[-1].id}"
    return render(
        request,
        "profile.html",
        viewer,
        profile=profile,
        events=events,
        merges=merges,
        lists=lists,
        older=older,
        paged=before is not None,
    )
