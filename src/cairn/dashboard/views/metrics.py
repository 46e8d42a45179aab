"""Metrics: every metric's count over a range, and one metric's chart."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from cairn.dashboard.auth import Viewer
from cairn.dashboard.buckets import UNITS, DateRange, Unit, check_range
from cairn.dashboard.charts import build_chart
from cairn.dashboard.export import MEASUREMENTS, ExportQuery, Measurement
from cairn.dashboard.web import dashboard_of, render
from cairn.pipeline.events import MAX_METRICS_PER_ACCOUNT
from cairn.store.dashboard import DashboardQueries

PROPERTY_SAMPLE = 200
MAX_TOP = 20
# Unique profiles and splits read per-profile rollups or the events themselves: bounded spans.
MAX_DETAIL_DAYS = 31


@dataclass(frozen=True)
class ChartChoice:
    span: DateRange
    unit: Unit
    measurement: Measurement
    by: str | None
    top: int


def check_choice(params: QueryParams) -> ChartChoice:
    span = check_range(params.get("from"), params.get("to"))
    unit = params.get("unit", "day")
    measurement = params.get("measurement", "count")
    if unit not in UNITS:
        raise ValueError("unit is day, week or month")
    if measurement not in MEASUREMENTS:
        raise ValueError("measurement is count, value or unique")
    top_text = params.get("top", "5")
    if not top_text.isdigit() or not 1 <= int(top_text) <= MAX_TOP:
        raise ValueError(f"top is a whole number from 1 to {MAX_TOP}")
    by = params.get("by", "").strip() or None
    if (by is not None or measurement == "unique") and span.days > MAX_DETAIL_DAYS:
        raise ValueError(
            f"unique profiles and splits by an event property cover at most {MAX_DETAIL_DAYS}"
            " days, as in the REST metric export (counts and sums of $value cover any range)"
        )
    return ChartChoice(span, unit, measurement, by, int(top_text))


def metric_list(request: Request, viewer: Viewer) -> Response:
    try:
        span = check_range(request.query_params.get("from"), request.query_params.get("to"))
    except ValueError as error:
        return render(request, "error.html", viewer, status_code=400, message=str(error))
    dashboard = dashboard_of(request)
    account_id = viewer.account.id
    with dashboard.store.read() as queries:
        metrics, _ = queries.metrics_page(account_id, 0, MAX_METRICS_PER_ACCOUNT)
        totals = [
            dashboard.export(
                queries, account_id, ExportQuery(metric.id, span, "month", "count")
            ).series
            for metric in metrics
        ]
    rows = [
        (metric, sum(s.total for s in series))
        for metric, series in zip(metrics, totals, strict=True)
    ]
    rows.sort(key=lambda row: (-row[1], row[0].name))
    return render(request, "metrics.html", viewer, rows=rows, span=span)


def metric_chart(request: Request, viewer: Viewer) -> Response:
    try:
        choice = check_choice(request.query_params)
    except ValueError as error:
        return render(request, "error.html", viewer, status_code=400, message=str(error))
    dashboard = dashboard_of(request)
    account_id = viewer.account.id
    with dashboard.store.read() as queries:
        store = DashboardQueries(queries)
        metric = queries.metric_by_id(account_id, request.path_params["metric_id"])
        if metric is None:
            return render(request, "error.html", viewer, status_code=404, message="No such metric.")
        base = ExportQuery(metric.id, choice.span, choice.unit, choice.measurement)
        total = dashboard.export(queries, account_id, base)
        split = None
        if choice.by is not None:
            split = dashboard.export(
                queries,
                account_id,
                ExportQuery(
                    metric.id,
                    choice.span,
                    choice.unit,
                    choice.measurement,
                    choice.by,
                    choice.top,
                ),
            )
        samples = store.recent_event_properties(account_id, metric.id, PROPERTY_SAMPLE)
    chart = build_chart(metric.name, choice.unit, choice.measurement, total, split, choice.top)
    properties = sorted({key for sample in samples for key in sample})
    if choice.by is not None and choice.by not in properties:
        properties.append(choice.by)
    return render(
        request,
        "metric.html",
        viewer,
        metric=metric,
        chart=chart,
        choice=choice,
        properties=properties,
        units=UNITS,
        measurements=MEASUREMENTS,
    )
