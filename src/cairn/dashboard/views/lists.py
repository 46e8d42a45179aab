"""Lists: every list with its members, and one list's growth and members."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response

from cairn.dashboard.auth import Viewer
from cairn.dashboard.buckets import check_range
from cairn.dashboard.growth import members_per_day
from cairn.dashboard.web import dashboard_of, render
from cairn.store.dashboard import DashboardQueries

MEMBERS_PAGE = 50
GROWTH_DAYS = 90


def growth_chart(name: str, growth: list[tuple[date, int]]) -> dict[str, object]:
    """Members at the end of each day, for charts.js."""
    return {
        "labels": [day.isoformat() for day, _ in growth],
        "axis": "members",
        "stacked": False,
        "stepped": True,
        "series": [{"label": name, "values": [count for _, count in growth]}],
    }


def lists_page(request: Request, viewer: Viewer) -> Response:
    with dashboard_of(request).store.read() as queries:
        lists = queries.lists_of(viewer.account.id, with_counts=True)
    return render(request, "lists.html", viewer, lists=lists)


def list_page(request: Request, viewer: Viewer) -> Response:
    params = request.query_params
    try:
        span = check_range(params.get("from"), params.get("to"), GROWTH_DAYS)
    except ValueError as error:
        return render(request, "error.html", viewer, status_code=400, message=str(error))
    page_text = params.get("page", "0")
    page = int(page_text) if page_text.isdigit() else 0
    account_id = viewer.account.id
    with dashboard_of(request).store.read() as queries:
        found = queries.list_by_id(account_id, request.path_params["list_id"])
        if found is None:
            return render(request, "error.html", viewer, status_code=404, message="No such list.")
        members, total = queries.list_members_page(
            account_id, found.id, page * MEMBERS_PAGE, MEMBERS_PAGE
        )
        joins = DashboardQueries(queries).list_joins(account_id, found.id)
    chart = growth_chart(found.name, members_per_day(joins, span.first, span.last))
    return render(
        request,
        "list.html",
        viewer,
        list=found,
        members=members,
        total=total,
        page=page,
        pages=(total + MEMBERS_PAGE - 1) // MEMBERS_PAGE,
        chart=chart,
        span=span,
    )
