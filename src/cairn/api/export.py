"""v1 metric export. Counts, `$value` sums and unique profiles come from the daily rollups, and
so do counts and sums `where` or `by` one property, from its property rollups. The rest (unique
profiles with `where`/`by`, two properties at once, or a key too varied to roll up) reads the
metric's events over the (at most 32-day) range, grouped in SQL by day and the properties they
look at."""

from __future__ import annotations

from typing import Any

from cairn.api.call import Call
from cairn.api.metrics import find_metric
from cairn.api.shapes import metric_object
from cairn.metrics.export import (
    Bucket,
    ExportQuery,
    buckets,
    check_export_params,
    day_label,
    export_keys,
    from_event_groups,
    from_totals,
    rollup_key,
    series,
    today_day,
)
from cairn.store import Queries
from cairn.store.records import MetricRow
from cairn.store.rollups import SECONDS_PER_DAY


def export_results(
    query: ExportQuery, metric: MetricRow, queries: Queries, account_id: int
) -> list[dict[str, Any]]:
    """The `results` of an export (also what the dashboard charts)."""
    spans = buckets(query.first_day, query.last_day, query.unit)
    if query.needs_events:
        key = rollup_key(query)
        groups = (
            queries.property_groups(account_id, metric.id, query.first_day, query.last_day, key)
            if key is not None
            else None
        )
        if groups is None:
            groups = queries.group_events(
                account_id,
                metric.id,
                query.first_day * SECONDS_PER_DAY,
                (query.last_day + 1) * SECONDS_PER_DAY,
                export_keys(query),
                per_profile=query.measurement == "unique",
            )
        return from_event_groups(query, metric.name, spans, groups)
    if query.measurement == "unique":
        daily = queries.daily_uniques(account_id, metric.id, query.first_day, query.last_day)

        def uniques(bucket: Bucket) -> float:
            if bucket.first_day == bucket.last_day:
                return daily.get(bucket.first_day, 0)
            return queries.unique_profiles(account_id, metric.id, bucket.first_day, bucket.last_day)

        data = series(spans, uniques)
    else:
        totals = queries.daily_totals(account_id, metric.id, query.first_day, query.last_day)
        data = from_totals(query, spans, totals)
    return [{"segment": metric.name, "data": data}]


def export_metric(call: Call) -> dict[str, Any]:
    query = check_export_params(call.parameters(), today_day(call.now))
    with call.store.read() as queries:
        metric = find_metric(call, queries)
        results = export_results(query, metric, queries, call.account_id)
    return {
        "metric": metric_object(metric),
        "start_date": day_label(query.first_day),
        "end_date": day_label(query.last_day),
        "unit": query.unit,
        "measurement": query.measurement_echo(),
        "by": query.by,
        "where": [[query.where[0], "=", query.where[1]]] if query.where else None,
        "results": results,
    }
