"""v1 metrics: the metric list and event timelines (all metrics, one metric)."""

from __future__ import annotations

from typing import Any

from cairn.api.call import Call
from cairn.api.errors import not_found
from cairn.api.pages import (
    choice_field,
    found,
    int_field,
    next_token,
    page_envelope,
    page_params,
    parse_since,
)
from cairn.api.shapes import event_object, metric_object
from cairn.store import Queries
from cairn.store.records import MetricRow

TIMELINE_DEFAULT = 50
TIMELINE_MAX = 100


def find_metric(call: Call, queries: Queries) -> MetricRow:
    return found(call, "metric", "metric_id", queries.metric_by_id, not_found("Metric"))


def list_metrics(call: Call) -> dict[str, Any]:
    page, count = page_params(call, 50, 100)
    with call.store.read() as queries:
        metrics, total = queries.metrics_page(call.account_id, page * count, count)
    return page_envelope([metric_object(m) for m in metrics], page, count, total)


def timeline_page(
    call: Call, queries: Queries, metric_id: int | None = None, profile_id: int | None = None
) -> dict[str, Any]:
    """A `since` / `count` / `sort` page of events; `next` continues it (null at the end)."""
    count = int_field(call, "count", TIMELINE_DEFAULT, 1, TIMELINE_MAX)
    since = call.text("since")
    ascending = choice_field(call, "sort", ("desc", "asc")) == "asc" and bool(since)
    position = parse_since(since, ascending, call.now)
    events = queries.timeline(
        call.account_id, position, ascending, count + 1, metric_id=metric_id, profile_id=profile_id
    )
    page = events[:count]
    more = len(events) > count
    return {
        "object": "$list",
        "count": len(page),
        "data": [event_object(event) for event in page],
        "next": next_token(page[-1].time, page[-1].id) if more else None,
    }


def metrics_timeline(call: Call) -> dict[str, Any]:
    with call.store.read() as queries:
        return timeline_page(call, queries)


def metric_timeline(call: Call) -> dict[str, Any]:
    with call.store.read() as queries:
        metric = find_metric(call, queries)
        return timeline_page(call, queries, metric_id=metric.id)
