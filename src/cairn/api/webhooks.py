"""Webhooks over REST (Cairn's own, in the v2 style): register a URL for a metric or for a
segment's entries and exits, list and delete them, and read their delivery status."""

from __future__ import annotations

from typing import Any

from cairn.api import ids
from cairn.api.call import EMPTY, Call, Empty
from cairn.api.errors import NotFound, not_found
from cairn.api.pages import public_id
from cairn.api.shapes import iso
from cairn.checks import Invalid
from cairn.store.webhook_queries import AttemptRow, DeliveryRow, WebhookQueries, WebhookRow
from cairn.webhooks.actions import (
    WebhookNotFound,
    check_webhook,
    do_create_webhook,
    do_delete_webhook,
    webhook_status,
)

RECENT = 20


def _optional_iso(seconds: float | None) -> str | None:
    return None if seconds is None else iso(seconds)


def webhook_object(row: WebhookRow) -> dict[str, Any]:
    segment = row.segment_id is not None
    on = [name for name, wanted in (("entry", row.on_entry), ("exit", row.on_exit)) if wanted]
    return {
        "webhook_id": ids.encode("webhook", row.id),
        "url": row.url,
        "metric": row.metric,
        "segment_id": ids.encode("segment", row.segment_id) if row.segment_id else None,
        "on": on if segment else None,
        "created": iso(row.created_at),
    }


def delivery_object(row: DeliveryRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "topic": row.topic,
        "status": row.status,
        "attempts": row.attempts,
        "created": iso(row.created_at),
        "next_attempt": iso(row.next_attempt_at) if row.status == "pending" else None,
        "last_attempt": _optional_iso(row.last_attempt_at),
        "last_status": row.last_status,
        "last_error": row.last_error,
        "delivered": _optional_iso(row.delivered_at),
    }


def attempt_object(row: AttemptRow) -> dict[str, Any]:
    return {
        "delivery_id": row.delivery_id,
        "at": iso(row.attempted_at),
        "status": row.status,
        "error": row.error,
        "duration_ms": round(row.duration_ms, 1),
    }


def _webhook_id(call: Call) -> int:
    webhook_id = public_id(call, "webhook", "webhook_id")
    if webhook_id is None:
        raise not_found("Webhook")
    return webhook_id


def all_webhooks(call: Call) -> list[dict[str, Any]]:
    with call.store.read() as queries:
        rows = WebhookQueries(queries).webhooks_of(call.account_id)
    return [webhook_object(row) for row in rows]


def create_webhook(call: Call) -> dict[str, Any]:
    """The webhook, with its signing `secret` (shown only here)."""
    segment_text = call.text("segment_id")
    segment_id = None
    if segment_text is not None:
        segment_id = ids.decode("segment", segment_text)
        if segment_id is None:
            raise Invalid("segment_id is not a segment id")
    on = call.values("on") or None
    spec = check_webhook(call.field("url"), call.field("metric"), segment_id, on)
    try:
        row = do_create_webhook(call.store, call.account_id, spec)
    except WebhookNotFound as error:
        raise NotFound(str(error)) from None
    return {**webhook_object(row), "secret": row.secret}


def get_webhook(call: Call) -> dict[str, Any]:
    """The webhook and its delivery status: counts by status, the latest deliveries and
    attempts (newest first)."""
    try:
        status = webhook_status(call.store, call.account_id, _webhook_id(call), RECENT)
    except WebhookNotFound:
        raise not_found("Webhook") from None
    return {
        **webhook_object(status.webhook),
        "deliveries": {
            state: status.counts.get(state, 0) for state in ("pending", "delivered", "failed")
        },
        "recent_deliveries": [delivery_object(row) for row in status.deliveries],
        "recent_attempts": [attempt_object(row) for row in status.attempts],
    }


def delete_webhook(call: Call) -> Empty:
    try:
        do_delete_webhook(call.store, call.account_id, _webhook_id(call))
    except WebhookNotFound:
        raise not_found("Webhook") from None
    return EMPTY
