"""Queues webhook deliveries inside the transaction of the change that causes them.

One `Outbox` lives for one pipeline batch (or one command): it reads each account's webhooks
once, and writes deliveries that only become visible to the deliverer when the change commits.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from cairn.api import ids
from cairn.store.sql import Queries
from cairn.store.webhook_queries import WebhookQueries, WebhookRow
from cairn.webhooks.payloads import (
    ENTERED_TOPIC,
    EVENT_TOPIC,
    EXITED_TOPIC,
    event_body,
    profile_body,
    segment_body,
)


class Outbox:
    def __init__(self, queries: Queries) -> None:
        self.store = WebhookQueries(queries)
        self._hooks: dict[int, list[WebhookRow]] = {}

    def _webhooks(self, account_id: int) -> list[WebhookRow]:
        hooks = self._hooks.get(account_id)
        if hooks is None:
            hooks = self._hooks[account_id] = self.store.webhooks_of(account_id)
        return hooks

    def event(
        self,
        account_id: int,
        metric: str,
        time: int,
        event_id: str,
        properties: Mapping[str, object],
        profile_id: int,
        profile: Mapping[str, object],
        now: float,
    ) -> None:
        hooks = [h for h in self._webhooks(account_id) if h.metric == metric]
        if not hooks:
            return
        body = event_body(
            metric,
            time,
            event_id,
            properties,
            profile_body(ids.encode("person", profile_id), profile),
        )
        self._enqueue(account_id, hooks, EVENT_TOPIC, body, now)

    def segment_change(
        self,
        account_id: int,
        segment_id: int,
        segment_name: str,
        entered: bool,
        profile_id: int,
        profile: Mapping[str, object],
        now: float,
    ) -> None:
        hooks = [
            h
            for h in self._webhooks(account_id)
            if h.segment_id == segment_id and (h.on_entry if entered else h.on_exit)
        ]
        if not hooks:
            return
        body = segment_body(
            entered,
            ids.encode("segment", segment_id),
            segment_name,
            now,
            profile_body(ids.encode("person", profile_id), profile),
        )
        self._enqueue(account_id, hooks, ENTERED_TOPIC if entered else EXITED_TOPIC, body, now)

    def _enqueue(
        self,
        account_id: int,
        hooks: list[WebhookRow],
        topic: str,
        body: dict[str, object],
        now: float,
    ) -> None:
        text = orjson.dumps(body).decode()
        self.store.enqueue([(account_id, hook.id, topic, text) for hook in hooks], now)
