"""Inbox records as ingest appends them, for tests and benchmarks that skip HTTP."""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import closing
from typing import Any

import orjson

from cairn.inbox.records import InboxRecord, Kind
from cairn.ingest.partition import partition_of
from cairn.store import Store


def as_ingested(account_id: int, payload: dict[str, Any]) -> InboxRecord:
    """A payload with an `event` is a track, any other an identify; partitioned like ingest."""
    kind = Kind.TRACK if "event" in payload else Kind.IDENTIFY
    return InboxRecord(
        kind, account_id, time.time(), partition_of(kind, payload), orjson.dumps(payload)
    )


def append_all(store: Store, records: Sequence[InboxRecord]) -> None:
    """One commit for all of them."""
    with closing(store.inbox_appender()) as appender:
        appender.append(records)
