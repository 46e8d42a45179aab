"""The worker: batches apply and acknowledge atomically, a replay is harmless, and a record
that breaks the batch is set aside as rejected instead of blocking the inbox."""

from __future__ import annotations

import time
from contextlib import closing

import orjson
import pytest

from cairn.accounts.actions import CreatedAccount
from cairn.inbox.records import InboxRecord, Kind
from cairn.pipeline.worker import Worker
from cairn.store import Store
from support.payloads import identify, track


def append(store: Store, *payloads: bytes, kind: Kind = Kind.TRACK, account_id: int) -> None:
    with closing(store.inbox_appender()) as appender:
        appender.append([InboxRecord(kind, account_id, time.time(), 0, p) for p in payloads])


def test_a_batch_killed_before_its_commit_is_replayed_without_duplicates(
    store: Store, account: CreatedAccount, worker: Worker
) -> None:
    payloads = [
        orjson.dumps(
            track(
                account.public_key, "Replayed", f"r{n % 3}@x.io", properties={"$event_id": f"r-{n}"}
            )
        )
        for n in range(30)
    ]
    append(store, *payloads, account_id=account.account_id)
    with pytest.raises(RuntimeError), store.pipeline_batch(100) as (entries, queries):
        assert worker.applier.apply(entries, queries).events == 30
        raise RuntimeError("killed after applying, before the acknowledgement")
    assert store.inbox_depth() == 30
    with store.read() as queries:
        assert queries.counts(account.account_id)["events"] == 0

    assert worker.drain() == 30
    with store.read() as queries:
        events = queries.events(account.account_id)
        assert queries.counts(account.account_id)["profiles"] == 3
    assert sorted(e.event_id for e in events) == sorted(f"r-{n}" for n in range(30))


def test_a_record_that_breaks_the_batch_is_rejected_and_the_rest_applied(
    store: Store, account: CreatedAccount, worker: Worker
) -> None:
    good = orjson.dumps(identify(account.public_key, **{"$email": "ok@x.io"}))
    append(
        store,
        good,
        b"{not json",
        good.replace(b"ok@", b"ok2@"),
        kind=Kind.IDENTIFY,
        account_id=account.account_id,
    )
    assert worker.drain() == 3
    assert store.inbox_depth() == 0
    with store.read() as queries:
        [rejection] = queries.rejections(account.account_id)
        assert queries.counts(account.account_id)["profiles"] == 2
    assert rejection.payload == "{not json"
    assert rejection.reason.startswith("internal error: JSONDecodeError")
    assert worker.totals.rejected == 1
    assert worker.totals.applied == 2


def test_events_of_a_merged_profile_keep_one_copy_per_event_id(
    store: Store, account: CreatedAccount, worker: Worker
) -> None:
    token = account.public_key
    same_order = {"$event_id": "order-1"}
    append(
        store,
        orjson.dumps(
            {
                "token": token,
                "event": "Paid",
                "customer_properties": {"$email": "m@x.io"},
                "properties": same_order,
            }
        ),
        orjson.dumps(
            {
                "token": token,
                "event": "Paid",
                "customer_properties": {"$id": "u1"},
                "properties": same_order,
            }
        ),
        orjson.dumps(
            {
                "token": token,
                "event": "Paid",
                "customer_properties": {"$id": "u1"},
                "properties": {"$event_id": "order-2"},
            }
        ),
        account_id=account.account_id,
    )
    worker.drain()
    append(
        store,
        orjson.dumps(identify(token, **{"$email": "m@x.io", "$id": "u1"})),
        kind=Kind.IDENTIFY,
        account_id=account.account_id,
    )
    worker.drain()
    with store.read() as queries:
        survivor = queries.profile_by_identifier(account.account_id, "email", "m@x.io")
        assert survivor is not None
        events = queries.events(account.account_id)
    assert sorted(e.event_id for e in events) == ["order-1", "order-2"]
    assert {e.profile_id for e in events} == {survivor.id}


def test_on_merge_the_more_recently_updated_profile_wins_a_shared_property(
    store: Store, account: CreatedAccount, worker: Worker
) -> None:
    token = account.public_key
    append(
        store,
        orjson.dumps(identify(token, **{"$email": "w@x.io", "plan": "free", "a": 1})),
        kind=Kind.IDENTIFY,
        account_id=account.account_id,
    )
    worker.drain()
    append(
        store,
        orjson.dumps(identify(token, **{"$id": "w1", "plan": "pro", "b": 2})),
        kind=Kind.IDENTIFY,
        account_id=account.account_id,
    )
    worker.drain()
    append(
        store,
        orjson.dumps(identify(token, email="w@x.io", id="w1")),
        kind=Kind.IDENTIFY,
        account_id=account.account_id,
    )
    worker.drain()
    with store.read() as queries:
        survivor = queries.profile_by_identifier(account.account_id, "external_id", "w1")
    assert survivor is not None
    assert survivor.properties == {"$email": "w@x.io", "$id": "w1", "plan": "pro", "a": 1, "b": 2}
