"""The worker: batches apply and acknowledge atomically, a replay is harmless, and a record
that breaks the batch is set aside as rejected instead of blocking the inbox."""

from __future__ import annotations

import time
from contextlib import closing
from typing import Any

import orjson
import pytest

from cairn.accounts.actions import CreatedAccount
from cairn.inbox.records import InboxRecord, Kind
from cairn.pipeline.worker import Worker
from cairn.store import Store
from support.payloads import identify, track


def append_raw(store: Store, account: CreatedAccount, kind: Kind, *raw: bytes) -> None:
    records = [InboxRecord(kind, account.account_id, time.time(), 0, r) for r in raw]
    with closing(store.inbox_appender()) as appender:
        appender.append(records)


def append(store: Store, account: CreatedAccount, *payloads: dict[str, Any]) -> None:
    """Queue payloads as ingest would: one with an `event` is a track, others identify."""
    for payload in payloads:
        kind = Kind.TRACK if "event" in payload else Kind.IDENTIFY
        append_raw(store, account, kind, orjson.dumps(payload))


def test_a_batch_killed_before_its_commit_is_replayed_without_duplicates(
    store: Store, account: CreatedAccount, worker: Worker
) -> None:
    token = account.public_key
    append(
        store,
        account,
        *(
            track(token, "Replayed", f"r{n % 3}@x.io", properties={"$event_id": f"r-{n}"})
            for n in range(30)
        ),
    )
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
    append_raw(store, account, Kind.IDENTIFY, good, b"{not json", good.replace(b"ok@", b"ok2@"))
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

    def paid(people: dict[str, str], event_id: str) -> dict[str, Any]:
        return {
            "token": token,
            "event": "Paid",
            "customer_properties": people,
            "properties": {"$event_id": event_id},
        }

    append(
        store,
        account,
        paid({"$email": "m@x.io"}, "order-1"),
        paid({"$id": "u1"}, "order-1"),
        paid({"$id": "u1"}, "order-2"),
    )
    worker.drain()
    append(store, account, identify(token, **{"$email": "m@x.io", "$id": "u1"}))
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
    for payload in (
        identify(token, **{"$email": "w@x.io", "plan": "free", "a": 1}),
        identify(token, **{"$id": "w1", "plan": "pro", "b": 2}),
        identify(token, email="w@x.io", id="w1"),
    ):
        append(store, account, payload)
        worker.drain()
    with store.read() as queries:
        survivor = queries.profile_by_identifier(account.account_id, "external_id", "w1")
    assert survivor is not None
    assert survivor.properties == {"$email": "w@x.io", "$id": "w1", "plan": "pro", "a": 1, "b": 2}
