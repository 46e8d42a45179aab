"""Webhooks end to end on a real store: queued with the change, signed, sent, retried."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount
from cairn.pipeline.worker import Worker
from cairn.segments.actions import do_create_segment
from cairn.store import Store
from cairn.webhooks.actions import check_webhook, do_create_webhook, webhook_status
from cairn.webhooks.deliver import Deliverer
from cairn.webhooks.schedule import Backoff
from cairn.webhooks.signing import SIGNATURE_HEADER, verify
from support.clock import Clock
from support.payloads import b64, identify, track
from support.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def worker(store: Store, clock: Clock) -> Worker:
    return Worker(store, clock=clock)


@pytest.fixture
def deliverer(store: Store, clock: Clock) -> Iterator[Deliverer]:
    deliverer = Deliverer(
        store, clock=clock, backoff=Backoff(first=30, factor=2, longest=600, attempts=3)
    )
    yield deliverer
    deliverer.close()


def send(client: TestClient, path: str, payload: dict[str, object]) -> None:
    assert client.get(path, params={"data": b64(payload)}).text == "1"


def test_metric_webhook_gets_every_new_event_signed(
    client: TestClient,
    account: CreatedAccount,
    store: Store,
    worker: Worker,
    receiver: Receiver,
    deliverer: Deliverer,
) -> None:
    hook = do_create_webhook(
        store, account.account_id, check_webhook(receiver.url, metric="Placed Order")
    )
    token = account.public_key
    send(client, "/api/track", track(token, "Placed Order", properties={"$event_id": "o1"}))
    send(client, "/api/track", track(token, "Placed Order", properties={"$event_id": "o1"}))
    send(client, "/api/track", track(token, "Viewed Product"))
    worker.drain()
    assert deliverer.run_once() == 1  # the duplicate and the other metric send nothing
    [request] = receiver.wait_for(1)
    assert verify(hook.secret, request.body, request.headers[SIGNATURE_HEADER.lower()])
    body = orjson.loads(request.body)
    assert body["type"] == "event" and body["metric"] == "Placed Order"
    assert body["event"]["event_id"] == "o1"
    assert body["person"]["$email"] == "a@example.com"
    status = webhook_status(store, account.account_id, hook.id)
    assert status.counts == {"delivered": 1}
    assert status.attempts[0].status == 200


def test_segment_entry_and_exit_webhooks(
    client: TestClient,
    account: CreatedAccount,
    store: Store,
    worker: Worker,
    receiver: Receiver,
    deliverer: Deliverer,
    clock: Clock,
) -> None:
    vip = do_create_segment(
        store,
        account.account_id,
        "VIP",
        {"type": "property", "property": "vip", "op": "equals", "value": True},
    )
    do_create_webhook(store, account.account_id, check_webhook(receiver.url, segment_id=vip.id))
    token = account.public_key
    send(client, "/api/identify", identify(token, **{"$email": "v@x.com", "vip": True}))
    worker.drain()
    clock.now += 1
    send(client, "/api/identify", identify(token, **{"$email": "v@x.com", "vip": False}))
    worker.drain()
    deliverer.run_once()  # in parallel: receivers order by "at"
    bodies = [orjson.loads(r.body) for r in receiver.wait_for(2)]
    assert [b["type"] for b in sorted(bodies, key=lambda b: b["at"])] == [
        "segment.entered",
        "segment.exited",
    ]
    assert {b["segment"]["name"] for b in bodies} == {"VIP"}


def test_failures_are_retried_with_backoff_then_given_up(
    client: TestClient,
    account: CreatedAccount,
    store: Store,
    worker: Worker,
    receiver: Receiver,
    deliverer: Deliverer,
    clock: Clock,
) -> None:
    hook = do_create_webhook(store, account.account_id, check_webhook(receiver.url, metric="M"))
    receiver.statuses.extend([500, 503])
    send(client, "/api/track", track(account.public_key, "M"))
    worker.drain()

    assert deliverer.run_once() == 1
    [delivery] = webhook_status(store, account.account_id, hook.id).deliveries
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    assert delivery.next_attempt_at == pytest.approx(clock.now + 30)
    assert deliverer.run_once() == 0  # not due yet
    clock.now += 30
    assert deliverer.run_once() == 1
    [delivery] = webhook_status(store, account.account_id, hook.id).deliveries
    assert (delivery.attempts, delivery.next_attempt_at) == (2, pytest.approx(clock.now + 60))
    clock.now += 60
    assert deliverer.run_once() == 1
    status = webhook_status(store, account.account_id, hook.id)
    assert status.counts == {"delivered": 1}
    assert [a.status for a in status.attempts] == [200, 503, 500]
    attempts = [r.headers["x-cairn-attempt"] for r in receiver.requests]
    assert attempts == ["1", "2", "3"]
    assert len({r.headers["x-cairn-delivery"] for r in receiver.requests}) == 1

    receiver.statuses.extend([500, 500, 500])
    send(client, "/api/track", track(account.public_key, "M", properties={"$event_id": "2"}))
    worker.drain()
    for _ in range(3):
        deliverer.run_once()
        clock.now += 600
    status = webhook_status(store, account.account_id, hook.id)
    assert status.counts == {"delivered": 1, "failed": 1}
    assert status.deliveries[0].last_error is not None
    assert status.deliveries[0].last_error.startswith("HTTP 500")


def test_unreachable_receiver_is_a_recorded_failure(
    client: TestClient, account: CreatedAccount, store: Store, worker: Worker, deliverer: Deliverer
) -> None:
    hook = do_create_webhook(
        store, account.account_id, check_webhook("http://127.0.0.1:9/closed", metric="M")
    )
    send(client, "/api/track", track(account.public_key, "M"))
    worker.drain()
    assert deliverer.run_once() == 1
    [delivery] = webhook_status(store, account.account_id, hook.id).deliveries
    assert delivery.status == "pending" and delivery.last_status is None
    assert delivery.last_error is not None and "ConnectError" in delivery.last_error


def test_deliveries_are_queued_in_the_transaction_of_the_change(
    client: TestClient, account: CreatedAccount, store: Store, worker: Worker, receiver: Receiver
) -> None:
    do_create_webhook(store, account.account_id, check_webhook(receiver.url, metric="M"))
    send(client, "/api/track", track(account.public_key, "M"))
    with pytest.raises(RuntimeError), store.pipeline_batch(10) as (entries, queries):
        worker.applier.apply(entries, queries)
        raise RuntimeError("the batch fails after applying")
    with store.read() as queries:
        assert queries.one("SELECT count(*) FROM webhook_deliveries")[0] == 0
    worker.drain()
    with store.read() as queries:
        assert queries.one("SELECT count(*) FROM webhook_deliveries")[0] == 1
