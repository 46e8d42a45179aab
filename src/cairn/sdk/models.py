"""Typed results: dataclasses built from the legacy wire shapes, lenient about extra keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class SendResult:
    """The outcome of one Track or Identify call.

    `accepted` is the server's `1`/`0` (None while the payload waits in the batching queue);
    `event_id` is the `$event_id` sent with a Track payload (to find the event later)."""

    accepted: bool | None
    queued: bool = False
    event_id: str | None = None
    attempts: int = 0
    status: int | None = None


@dataclass(frozen=True)
class Metric:
    id: str
    name: str
    created: str | None = None
    updated: str | None = None
    integration: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Metric:
        integration = data.get("integration")
        return cls(
            id=str(data["id"]),
            name=str(data.get("name", "")),
            created=_str_or_none(data.get("created")),
            updated=_str_or_none(data.get("updated")),
            integration=integration if isinstance(integration, dict) else {},
        )


@dataclass(frozen=True)
class Person:
    """A profile: `properties` holds every `$` and custom key the server sent."""

    id: str
    properties: Mapping[str, Any]

    @property
    def email(self) -> str | None:
        return _str_or_none(self.properties.get("$email"))

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Person:
        properties = {k: v for k, v in data.items() if k not in ("object", "id")}
        return cls(id=str(data["id"]), properties=properties)


@dataclass(frozen=True)
class Event:
    id: str
    metric_id: str | None
    event_name: str | None
    timestamp: int
    datetime: str | None
    properties: Mapping[str, Any]
    person: Person | None
    uuid: str | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Event:
        person = data.get("person")
        return cls(
            id=str(data["id"]),
            metric_id=_str_or_none(data.get("statistic_id")),
            event_name=_str_or_none(data.get("event_name")),
            timestamp=int(data.get("timestamp") or 0),
            datetime=_str_or_none(data.get("datetime")),
            properties=data.get("event_properties") or {},
            person=Person.from_wire(person)
            if isinstance(person, dict) and "id" in person
            else None,
            uuid=_str_or_none(data.get("uuid")),
        )


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a v1 `$list` (page/count pagination); `end` is inclusive."""

    items: list[T]
    page: int
    start: int
    end: int
    page_size: int
    total: int

    @property
    def has_next(self) -> bool:
        return bool(self.items) and self.end < self.total - 1


@dataclass(frozen=True)
class ExportPoint:
    date: str
    values: list[float]


@dataclass(frozen=True)
class ExportSeries:
    segment: str
    data: list[ExportPoint]


@dataclass(frozen=True)
class MetricExport:
    metric: Metric
    results: list[ExportSeries]
    unit: str | None = None
    measurement: Any = None
    start_date: str | None = None
    end_date: str | None = None
    by: str | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> MetricExport:
        results = [
            ExportSeries(
                segment=str(series.get("segment", "")),
                data=[
                    ExportPoint(date=str(point["date"]), values=[float(v) for v in point["values"]])
                    for point in series.get("data", [])
                ],
            )
            for series in data.get("results", [])
        ]
        return cls(
            metric=Metric.from_wire(data["metric"]),
            results=results,
            unit=_str_or_none(data.get("unit")),
            measurement=data.get("measurement"),
            start_date=_str_or_none(data.get("start_date")),
            end_date=_str_or_none(data.get("end_date")),
            by=_str_or_none(data.get("by")),
        )


@dataclass(frozen=True)
class ListInfo:
    id: str
    name: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any], list_id: str | None = None) -> ListInfo:
        extra = {k: v for k, v in data.items() if k not in ("list_id", "list_name", "id", "name")}
        return cls(
            id=str(data.get("list_id") or data.get("id") or list_id or ""),
            name=str(data.get("list_name") or data.get("name") or ""),
            extra=extra,
        )


@dataclass(frozen=True)
class Member:
    """A list, segment or group member (v2 shapes); absent identifiers are None."""

    id: str | None
    email: str | None = None
    phone_number: str | None = None
    push_token: str | None = None
    created: str | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Member:
        return cls(
            id=_str_or_none(data.get("id")),
            email=_str_or_none(data.get("email")),
            phone_number=_str_or_none(data.get("phone_number")),
            push_token=_str_or_none(data.get("push_token")),
            created=_str_or_none(data.get("created") or data.get("date_added")),
        )


@dataclass(frozen=True)
class Exclusion:
    email: str | None
    reason: str | None
    timestamp: str | None = None
    id: str | None = None
    phone_number: str | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Exclusion:
        return cls(
            email=_str_or_none(data.get("email")),
            reason=_str_or_none(data.get("reason")),
            timestamp=_str_or_none(data.get("timestamp") or data.get("created")),
            id=_str_or_none(data.get("id")),
            phone_number=_str_or_none(data.get("phone_number")),
        )
