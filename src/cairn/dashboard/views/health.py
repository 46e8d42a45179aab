"""Ingest health: events received per minute, pipeline lag, inbox depth, rejected payloads."""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import Response

from cairn.dashboard.auth import Viewer
from cairn.dashboard.health import (
    format_lag,
    lag_histogram,
    lag_now,
    per_minute,
    per_minute_totals,
    percentile,
    window_start,
)
from cairn.dashboard.web import dashboard_of, render
from cairn.store.dashboard import DashboardQueries

REJECTED_PAGE = 50
KINDS = ("track", "identify")


def health_page(request: Request, viewer: Viewer) -> Response:
    params = request.query_params
    reason = params.get("reason") or None
    kind = params.get("kind") if params.get("kind") in KINDS else None
    before_text = params.get("before", "")
    before = int(before_text) if before_text.isdigit() else None
    dashboard = dashboard_of(request)
    account_id = viewer.account.id
    now = time.time()
    since = window_start(now)
    with dashboard.store.read() as queries:
        store = DashboardQueries(queries)
        received = store.received_lags(account_id, since)
        rejected = store.rejected_per_minute(account_id, since)
        latest = store.latest_lag(account_id)
        reasons = store.rejection_reasons(account_id)
        rejections = store.rejections(account_id, reason, kind, before, REJECTED_PAGE + 1)
    depth = dashboard.store.inbox_depth()
    waiting = lag_now(now, dashboard.store.inbox_oldest_pending(), latest[1] if latest else None)
    older = None
    if len(rejections) > REJECTED_PAGE:
        rejections = rejections[:REJECTED_PAGE]
        older = rejections[-1].id
    labels, received_counts = per_minute(per_minute_totals(received), now)
    _, rejected_counts = per_minute(rejected, now)
    chart = {
        "labels": labels,
        "axis": "payloads per minute",
        "stacked": False,
        "series": [
            {"label": "events received", "values": received_counts},
            {"label": "payloads rejected", "values": rejected_counts},
        ],
    }
    return render(
        request,
        "health.html",
        viewer,
        chart=chart,
        received_total=sum(received_counts),
        rejected_total=sum(rejected_counts),
        lag_now=format_lag(None if waiting is None else waiting * 1000),
        lag_p99=format_lag(percentile(lag_histogram(received), 0.99)),
        depth=depth,
        reasons=reasons,
        rejections=rejections,
        reason=reason,
        kind=kind,
        kinds=KINDS,
        older=older,
    )
