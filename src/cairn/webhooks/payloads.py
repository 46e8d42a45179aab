"""The JSON bodies webhooks receive."""

from __future__ import annotations

from collections.abc import Mapping

EVENT_TOPIC = "event"
ENTERED_TOPIC = "segment.entered"
EXITED_TOPIC = "segment.exited"


def profile_body(profile_id: str, properties: Mapping[str, object]) -> dict[str, object]:
    return {"object": "person", "id": profile_id, **properties}


def event_body(
    metric: str,
    time: int,
    event_id: str,
    properties: Mapping[str, object],
    profile: dict[str, object],
) -> dict[str, object]:
    return {
        "type": EVENT_TOPIC,
        "metric": metric,
        "event": {"time": time, "event_id": event_id, "properties": dict(properties)},
        "person": profile,
    }


def segment_body(
    entered: bool, segment_id: str, segment_name: str, at: float, profile: dict[str, object]
) -> dict[str, object]:
    return {
        "type": ENTERED_TOPIC if entered else EXITED_TOPIC,
        "segment": {"id": segment_id, "name": segment_name},
        "at": at,
        "person": profile,
    }
