"""The embedded SQLite store: the inbox file and the store file must not block each other."""

from __future__ import annotations

import time
from contextlib import closing

import pytest

from cairn.accounts.actions import CreatedAccount
from cairn.inbox.records import InboxRecord, Kind
from cairn.store import Store
from cairn.store.sqlite import SqliteStore
from support.payloads import track


def record(account: CreatedAccount) -> InboxRecord:
    payload = track(account.public_key)
    return InboxRecord(Kind.TRACK, account.account_id, time.time(), 0, repr(payload).encode())


def test_ingest_appends_while_the_pipeline_holds_its_batch_transaction(
    store: Store, account: CreatedAccount
) -> None:
    with closing(store.inbox_appender()) as appender:
        appender.append([record(account)])
        with store.pipeline_batch(10) as (entries, _):
            assert len(entries) == 1
            appender.append([record(account), record(account)])  # must not wait for the batch
    assert store.inbox_depth() == 2


def test_ingest_appends_while_a_store_transaction_is_open(
    store: Store, account: CreatedAccount
) -> None:
    with closing(store.inbox_appender()) as appender, store.transaction() as queries:
        queries.insert_account("Other", "OTHER1", time.time())
        appender.append([record(account)])
    assert store.inbox_depth() == 1


def test_a_claimed_batch_is_acknowledged_only_when_its_transaction_commits(
    store: Store, account: CreatedAccount
) -> None:
    with closing(store.inbox_appender()) as appender:
        appender.append([record(account) for _ in range(3)])
    with pytest.raises(RuntimeError), store.pipeline_batch(2) as (entries, _):
        assert len(entries) == 2
        raise RuntimeError("crash mid-batch")
    assert store.inbox_depth() == 3
    with store.pipeline_batch(2) as (entries, _):
        first_ids = [entry.id for entry in entries]
    assert store.inbox_depth() == 1
    with store.pipeline_batch(10) as (entries, _):
        assert [entry.id for entry in entries] == [first_ids[-1] + 1]
    assert store.inbox_depth() == 0
    # SQLite keeps acknowledged records until trimmed; PostgreSQL deletes them in the ack.
    assert store.trim_inbox() == (3 if isinstance(store, SqliteStore) else 0)
