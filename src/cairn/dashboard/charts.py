"""What a metric chart shows: series split top N + other, in the shape the page renders. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cairn.dashboard.buckets import Unit
from cairn.dashboard.export import Export, Measurement, Series

OTHER = "Other"
AXIS_TITLES: dict[Measurement, str] = {
    "count": "events",
    "value": "sum of $value",
    "unique": "unique profiles",
}
_LABEL_FORMATS: dict[Unit, str] = {"day": "%Y-%m-%d", "week": "week of %Y-%m-%d", "month": "%Y-%m"}


def split_top(
    total: Series, split: list[Series], top: int, measurement: Measurement
) -> list[Series]:
    """The `top` largest segments, then `Other` for the rest of `total` (events without the
    property included). Unique profiles do not add up across segments, so they get no Other."""
    kept = sorted(split, key=lambda series: (-series.total, series.segment))[:top]
    if measurement == "unique" or not kept:
        return kept or [total]
    rest = [
        round(value - sum(series.values[i] for series in kept), 6)
        for i, value in enumerate(total.values)
    ]
    if any(rest):
        kept.append(Series(OTHER, rest))
    return kept


@dataclass(frozen=True)
class Chart:
    title: str
    unit: Unit
    measurement: Measurement
    labels: list[str]
    series: list[Series]

    @property
    def axis_title(self) -> str:
        return AXIS_TITLES[self.measurement]

    @property
    def adds_up(self) -> bool:
        """Whether buckets and segments can be summed (not for unique profiles)."""
        return self.measurement != "unique"

    @property
    def total(self) -> float:
        return sum(series.total for series in self.series)

    def rows(self) -> list[tuple[str, list[float], float]]:
        """(bucket label, value per series, bucket total) for the data table."""
        return [
            (label, values := [s.values[i] for s in self.series], sum(values))
            for i, label in enumerate(self.labels)
        ]

    def describe(self) -> str:
        """A sentence for screen readers (the canvas's aria-label)."""
        if not self.adds_up:
            return f"{self.title}: {self.axis_title} per {self.unit}, {len(self.labels)} buckets"
        return (
            f"{self.title}: {format_number(self.total)} {self.axis_title} in total,"
            f" per {self.unit}, over {len(self.labels)} buckets"
        )

    def as_json(self) -> dict[str, object]:
        return {
            "labels": self.labels,
            "axis": self.axis_title,
            "stacked": len(self.series) > 1,
            "series": [{"label": s.segment, "values": s.values} for s in self.series],
        }


def build_chart(
    title: str,
    unit: Unit,
    measurement: Measurement,
    total: Export,
    split: Export | None,
    top: int,
) -> Chart:
    series = total.series[0] if total.series else Series(title, [0.0] * len(total.dates))
    shown = [Series(title, series.values)]
    if split is not None:
        shown = split_top(Series(title, series.values), split.series, top, measurement)
    labels = [label_of(day, unit) for day in total.dates]
    return Chart(title, unit, measurement, labels, shown)


def label_of(day: date, unit: Unit) -> str:
    return day.strftime(_LABEL_FORMATS[unit])


def format_number(value: float) -> str:
    """1234 → '1,234'; 12.5 → '12.50'."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"
