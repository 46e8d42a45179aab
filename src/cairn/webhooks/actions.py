"""Webhook subscriptions (`check_*` validates, `do_*` mutates the store) and their status."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from cairn.checks import Invalid
from cairn.store import Store
from cairn.store.segment_queries import SegmentQueries
from cairn.store.webhook_queries import AttemptRow, DeliveryRow, WebhookQueries, WebhookRow
from cairn.webhooks.signing import new_secret

MAX_URL = 2000
SEGMENT_EVENTS = ("entry", "exit")


class WebhookNotFound(LookupError):
    pass


@dataclass(frozen=True)
class WebhookSpec:
    """Either `metric` (every new event of it) or `segment_id` (entries and/or exits)."""

    url: str
    metric: str | None = None
    segment_id: int | None = None
    on_entry: bool = False
    on_exit: bool = False


def check_webhook(
    url: object,
    metric: object = None,
    segment_id: int | None = None,
    on: object = None,
) -> WebhookSpec:
    """Raises Invalid with a message fit for the API caller."""
    if not isinstance(url, str) or len(url) > MAX_URL:
        raise Invalid(f"url must be an http(s) URL of at most {MAX_URL} characters")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("url must be an http(s) URL with a host")
    if (metric is None) == (segment_id is None):
        raise Invalid("give exactly one of metric (a metric name) or segment_id")
    if metric is not None:
        if not isinstance(metric, str) or not metric.strip():
            raise Invalid("metric must be a metric name")
        if on is not None:
            raise Invalid("on is for segment webhooks only")
        return WebhookSpec(url.strip(), metric=metric.strip())
    events = list(SEGMENT_EVENTS) if on is None else on
    if (
        not isinstance(events, list)
        or not events
        or any(event not in SEGMENT_EVENTS for event in events)
    ):
        raise Invalid('on must be a non-empty list drawn from "entry" and "exit"')
    return WebhookSpec(
        url.strip(), segment_id=segment_id, on_entry="entry" in events, on_exit="exit" in events
    )


def do_create_webhook(store: Store, account_id: int, spec: WebhookSpec) -> WebhookRow:
    """Returns the webhook with its signing secret (shown to the caller only at creation)."""
    with store.transaction() as queries:
        if (
            spec.segment_id is not None
            and SegmentQueries(queries).segment(account_id, spec.segment_id) is None
        ):
            raise WebhookNotFound("Segment does not exist.")
        return WebhookQueries(queries).insert_webhook(
            account_id,
            spec.url,
            new_secret(),
            spec.metric,
            spec.segment_id,
            spec.on_entry,
            spec.on_exit,
            time.time(),
        )


def do_delete_webhook(store: Store, account_id: int, webhook_id: int) -> None:
    with store.transaction() as queries:
        webhooks = WebhookQueries(queries)
        if webhooks.webhook(account_id, webhook_id) is None:
            raise WebhookNotFound("Webhook does not exist.")
        webhooks.delete_webhook(account_id, webhook_id)


@dataclass(frozen=True)
class WebhookStatus:
    webhook: WebhookRow
    counts: dict[str, int]
    deliveries: Sequence[DeliveryRow]
    attempts: Sequence[AttemptRow]


def webhook_status(
    store: Store, account_id: int, webhook_id: int, limit: int = 20
) -> WebhookStatus:
    """Delivery counts by status, the latest deliveries and the latest attempts."""
    with store.read() as queries:
        webhooks = WebhookQueries(queries)
        row = webhooks.webhook(account_id, webhook_id)
        if row is None:
            raise WebhookNotFound("Webhook does not exist.")
        return WebhookStatus(
            row,
            webhooks.status_counts(account_id, webhook_id),
            webhooks.deliveries(account_id, webhook_id, limit),
            webhooks.attempts(account_id, webhook_id, limit),
        )
