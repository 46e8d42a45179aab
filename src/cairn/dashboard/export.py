"""Metric series for charts, from the REST API's metric export, so both show the same numbers.

`MetricExport` is what the pages call; `rest_export` serves it with `cairn.api.export`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, Protocol

from cairn.api.export import export_results
from cairn.dashboard.buckets import DateRange, Unit
from cairn.metrics import export as rules
from cairn.store.sql import Queries

Measurement = Literal["count", "value", "unique"]
MEASUREMENTS: tuple[Measurement, ...] = ("count", "value", "unique")


@dataclass(frozen=True)
class ExportQuery:
    metric_id: int
    span: DateRange
    unit: Unit
    measurement: Measurement
    by: str | None = None
    count: int = 25  # segments kept when split `by` an event property


@dataclass(frozen=True)
class Series:
    segment: str
    values: list[float]

    @property
    def total(self) -> float:
        return sum(self.values)


@dataclass(frozen=True)
class Export:
    dates: list[date]  # the first day of each bucket (clipped to the span)
    series: list[Series]


class MetricExport(Protocol):
    def __call__(self, queries: Queries, account_id: int, query: ExportQuery) -> Export: ...


def rest_export(queries: Queries, account_id: int, query: ExportQuery) -> Export:
    """The export of `cairn.api.export` (rollups for count, $value and unique; an event scan
    for a split), without its 31-day limit: the dashboard sets its own."""
    metric = queries.metric_by_id(account_id, query.metric_id)
    if metric is None:
        raise LookupError(f"no metric {query.metric_id} in account {account_id}")
    first_day, last_day = rules.day_number(query.span.first), rules.day_number(query.span.last)
    results = export_results(
        rules.ExportQuery(
            first_day, last_day, query.unit, query.measurement, None, None, query.by, query.count
        ),
        metric,
        queries,
        account_id,
    )
    spans = rules.buckets(first_day, last_day, query.unit)
    dates = [rules.EPOCH + timedelta(days=bucket.first_day) for bucket in spans]
    return Export(
        dates,
        [
            Series(result["segment"], [point["values"][0] for point in result["data"]])
            for result in results
        ],
    )
