"""The SQLite inbox: multi-row appends of any size keep every record in order; trimming never
stalls ingest."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing

import pytest

from cairn.accounts.actions import CreatedAccount
from cairn.inbox.records import InboxRecord, Kind
from cairn.store import Store
from cairn.store.sqlite import SqliteStore


@pytest.mark.parametrize("count", [0, 1, 7, 512, 513, 1500])
def test_an_append_of_any_size_stores_every_record_in_order(
    store: Store, account: CreatedAccount, count: int
) -> None:
    records = [
        InboxRecord(
            Kind.IDENTIFY if n % 3 else Kind.TRACK,
            account.account_id,
            1_700_000_000 + n / 8,
            n * 31,
            b'{"n": %d}' % n,
            "refused at ingest" if n % 5 == 0 else None,
        )
        for n in range(count)
    ]
    with closing(store.inbox_appender()) as appender:
        appender.append(records)
    with store.pipeline_batch(2 * count) as (entries, _):
        got = [(e.kind, e.account_id, e.received_at, e.payload, e.note) for e in entries]
    assert got == [(r.kind, r.account_id, r.received_at, r.payload, r.note) for r in records]


def test_trim_gives_way_to_a_busy_inbox_and_finishes_later(
    store: Store, account: CreatedAccount
) -> None:
    if not isinstance(store, SqliteStore):
        pytest.skip("only SQLite keeps acknowledged records until they are trimmed")
    with closing(store.inbox_appender()) as appender:
        appender.append([InboxRecord(Kind.TRACK, account.account_id, time.time(), 0, b"{}")] * 1200)
    with store.pipeline_batch(2000) as (entries, _):
        assert len(entries) == 1200
    with closing(sqlite3.connect(store.inbox_path, isolation_level=None)) as ingest:
        ingest.execute("BEGIN IMMEDIATE")  # what a long inbox commit looks like to the trim
        started = time.monotonic()
        assert store.trim_inbox() == 0
        assert time.monotonic() - started < 1.0
        ingest.execute("ROLLBACK")
    assert store.trim_inbox() == 1200
    assert store.inbox_depth() == 0
