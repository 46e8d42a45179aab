"""The JSON objects of the legacy API, built from store rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cairn.api import ids
from cairn.store.records import MemberRow, MetricRow, ProfileRow, TimelineEvent

INTEGRATION = {
    "object": "integration",
    "id": ids.encode("integration", 1),
    "name": "API",
    "category": "API",
}


def timestamp(seconds: float) -> str:
    """Objects' `created` / `updated`: "YYYY-MM-DD HH:MM:SS", UTC without a zone."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")


def iso(seconds: float) -> str:
    """v2 `created`: "YYYY-MM-DDTHH:MM:SSZ"."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def metric_object(metric: MetricRow) -> dict[str, Any]:
    return {
        "object": "metric",
        "id": ids.encode("metric", metric.id),
        "name": metric.name,
        "created": timestamp(metric.created_at),
        "updated": timestamp(metric.created_at),
        "integration": INTEGRATION,
    }


def person_object(profile: ProfileRow) -> dict[str, Any]:
    """Custom and `$` properties at the top level, next to `object`, `id` and the dates."""
    return {
        **profile.properties,
        "object": "person",
        "id": ids.encode("person", profile.id),
        "created": timestamp(profile.created_at),
        "updated": timestamp(profile.updated_at),
    }


def event_object(event: TimelineEvent) -> dict[str, Any]:
    event_id = ids.encode("event", event.id)
    return {
        "object": "event",
        "id": event_id,
        "uuid": event_id,
        "statistic_id": ids.encode("metric", event.metric_id),
        "event_name": event.metric_name,
        "timestamp": event.time,
        "datetime": timestamp(event.time) + "+00:00",
        "event_properties": event.properties,
        "person": person_object(event.profile),
    }


def member_record(member: MemberRow) -> dict[str, Any]:
    """A v2 group member: `id`, and `email` / `phone_number` when the profile has them."""
    record: dict[str, Any] = {"id": ids.encode("person", member.profile_id)}
    if member.email is not None:
        record["email"] = member.email
    if member.phone is not None:
        record["phone_number"] = member.phone
    return record


def exclusion_object(email: str | None, reason: str | None, created_at: float) -> dict[str, Any]:
    """A v1 exclusion (global or of one list)."""
    return {
        "object": "exclusion",
        "email": email,
        "reason": reason,
        "timestamp": timestamp(created_at),
    }
