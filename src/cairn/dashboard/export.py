"""Metric series for charts, through one function interface shared with the REST export.

`MetricExport` is what the pages call. `interim_export` serves it until the REST metric export
lands; then the REST function is plugged in here so both show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

from cairn.dashboard.buckets import DateRange, Unit, buckets
from cairn.store.dashboard import DashboardQueries
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
    dates: list[date]
    series: list[Series]


class MetricExport(Protocol):
    def __call__(self, queries: Queries, account_id: int, query: ExportQuery) -> Export: ...


def interim_export(queries: Queries, account_id: int, query: ExportQuery) -> Export:
    spans = buckets(query.span, query.unit)
    bounds = [(start, end) for _, start, end in spans]
    store = DashboardQueries(queries)
    segments: list[str] | None = None
    if query.by is not None:
        top = store.top_segments(
            account_id,
            query.metric_id,
            query.span.start,
            query.span.end,
            query.by,
            query.measurement,
            query.count,
        )
        segments = [segment for segment, _ in top]
        if not segments:
            return Export([label for label, _, _ in spans], [])
    rows = store.metric_buckets(
        account_id, query.metric_id, bounds, query.measurement, query.by, segments
    )
    names = segments if segments is not None else ["total"]
    values = {name: [0.0] * len(bounds) for name in names}
    for index, segment, value in rows:
        values[segment if segment is not None else "total"][index] = value
    return Export([label for label, _, _ in spans], [Series(n, values[n]) for n in names])
