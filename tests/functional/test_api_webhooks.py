"""Webhooks over REST: register, list, read delivery status, delete."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount
from cairn.api import ids
from cairn.pipeline.worker import Worker
from cairn.store import Store
from cairn.webhooks.deliver import Deliverer
from cairn.webhooks.signing import SIGNATURE_HEADER, verify
from support.api import Rest, track
from support.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def test_register_deliver_and_read_status(
    client: TestClient,
    account: CreatedAccount,
    store: Store,
    worker: Worker,
    receiver: Receiver,
) -> None:
    rest = Rest(client, account)
    created = rest.v2("POST", "/api/v2/webhooks", {"url": receiver.url, "metric": "Placed Order"})
    assert created.status_code == 200
    hook = created.json()
    assert hook["metric"] == "Placed Order" and hook["segment_id"] is None
    assert hook["secret"].startswith("whsec_")
    listed = rest.v2("GET", "/api/v2/webhooks").json()
    assert [h["webhook_id"] for h in listed] == [hook["webhook_id"]]
    assert "secret" not in listed[0]

    receiver.statuses.append(500)
    track(client, account, "Placed Order", "a@x.com", 1_700_000_000, **{"$value": 5})
    worker.drain()
    deliverer = Deliverer(store)
    try:
        deliverer.run_once()
        status = rest.v2("GET", f"/api/v2/webhook/{hook['webhook_id']}").json()
        assert status["deliveries"] == {"pending": 1, "delivered": 0, "failed": 0}
        [delivery] = status["recent_deliveries"]
        assert (delivery["attempts"], delivery["last_status"]) == (1, 500)
        assert delivery["next_attempt"] is not None
        assert status["recent_attempts"][0]["status"] == 500
    finally:
        deliverer.close()
    [request] = receiver.requests
    assert verify(hook["secret"], request.body, request.headers[SIGNATURE_HEADER.lower()])
    assert orjson.loads(request.body)["event"]["properties"] == {"$value": 5}

    assert rest.v2("DELETE", f"/api/v2/webhook/{hook['webhook_id']}").status_code == 200
    assert rest.v2("GET", f"/api/v2/webhook/{hook['webhook_id']}").status_code == 404
    assert rest.v2("GET", "/api/v2/webhooks").json() == []


def test_segment_webhooks_name_an_existing_segment(
    client: TestClient, account: CreatedAccount
) -> None:
    rest = Rest(client, account)
    segment = rest.v2(
        "POST",
        "/api/v2/segments",
        {"segment_name": "Any", "definition": {"type": "not_excluded"}},
    ).json()["segment_id"]
    hook = rest.v2(
        "POST",
        "/api/v2/webhooks",
        {"url": "https://hooks.example/in", "segment_id": segment, "on": ["exit"]},
    ).json()
    assert (hook["segment_id"], hook["on"], hook["metric"]) == (segment, ["exit"], None)

    missing = ids.encode("segment", 999)
    response = rest.v2("POST", "/api/v2/webhooks", {"url": "https://h/x", "segment_id": missing})
    assert (response.status_code, response.json()["detail"]) == (404, "Segment does not exist.")
    response = rest.v2("POST", "/api/v2/webhooks", {"url": "https://h/x", "segment_id": "nope"})
    assert response.status_code == 400
    response = rest.v2("POST", "/api/v2/webhooks", {"url": "ftp://h/x", "metric": "M"})
    assert response.status_code == 400 and "http(s) URL" in response.json()["detail"]
    # Deleting the segment deletes its webhooks.
    rest.v2("DELETE", f"/api/v2/segment/{segment}")
    assert rest.v2("GET", f"/api/v2/webhook/{hook['webhook_id']}").status_code == 404
