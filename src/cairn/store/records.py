"""Rows the store hands out."""

from __future__ import annotations

from dataclasses import dataclass

from cairn.pipeline.identity import Identifiers


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    name: str
    public_key: str
    created_at: float


@dataclass(slots=True)
class ProfileRow:
    id: int
    account_id: int
    identifiers: Identifiers
    properties: dict[str, object]
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    metric: str
    profile_id: int
    time: int
    value: float | None
    event_id: str
    properties: dict[str, object]


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event about to be inserted (its dedupe key may already exist)."""

    account_id: int
    metric_id: int
    profile_id: int
    time: int
    value: float | None
    event_id: str
    properties: dict[str, object]
    received_at: float
    applied_at: float


@dataclass(frozen=True, slots=True)
class Rejection:
    id: int
    account_id: int | None
    kind: str
    payload: str
    reason: str
    received_at: float
    rejected_at: float


@dataclass(frozen=True, slots=True)
class MetricRow:
    id: int
    account_id: int
    name: str
    created_at: float


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """An event with its metric name and its profile, as timelines show it."""

    id: int
    metric_id: int
    metric_name: str
    time: int
    properties: dict[str, object]
    profile: ProfileRow


@dataclass(frozen=True, slots=True)
class ListRow:
    id: int
    account_id: int
    name: str
    opt_in: str
    created_at: float
    updated_at: float
    member_count: int = 0


@dataclass(frozen=True, slots=True)
class MemberRow:
    """A profile in a list, or excluded from one (`reason` set)."""

    profile_id: int
    email: str | None
    phone: str | None
    created_at: float
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ExclusionRow:
    email: str
    reason: str
    created_at: float


@dataclass(frozen=True, slots=True)
class DailyTotal:
    day: int
    event_count: int
    value_sum: float


@dataclass(frozen=True, slots=True)
class EventGroup:
    """Events of one metric on one UTC day that share the properties an export looks up (and
    the profile, when it counts profiles): what the export needs when rollups cannot answer."""

    day: int
    profile_id: int  # 0 when the export does not count profiles
    count: int
    value_sum: float  # of `$value`
    properties: dict[str, object]  # the looked-up properties these events have
