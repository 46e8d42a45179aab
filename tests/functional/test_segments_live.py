"""Segments end to end: Track and Identify over HTTP move a profile in and out of a segment, as
the REST members endpoint shows within a second, and the worker process sends the signed
webhook (a real `cairn serve` with its worker); a time window closes with no new event (an
injectable clock, the worker in process)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount
from cairn.pipeline.worker import Worker
from cairn.segments.moments import DAY
from cairn.store import Store
from cairn.webhooks.signing import SIGNATURE_HEADER, verify
from support.api import Rest
from support.clock import Clock
from support.live import LiveServer
from support.payloads import b64, identify, track
from support.receiver import Receiver

LAG_LIMIT = 1.0

GOLD_BUYERS = {
    "and": [
        {"type": "property", "property": "Plan", "op": "equals", "value": "Gold"},
        {"type": "event", "metric": "Placed Order", "op": "at_least", "count": 1},
    ]
}


def members(http: httpx.Client, segment_id: str) -> set[str]:
    page = http.get(f"/api/v2/group/{segment_id}/members/all").json()
    return {record["email"] for record in page["records"]}


def lag(
    http: httpx.Client, path: str, payload: dict[str, Any], segment: str, expected: set[str]
) -> float:
    """Seconds from sending a Track or Identify call until the members endpoint shows
    `expected` (fails past 5 s)."""
    start = time.monotonic()
    assert http.get(path, params={"data": b64(payload)}).text == "1"
    while members(http, segment) != expected:
        assert time.monotonic() - start < 5, f"membership never became {expected}"
        time.sleep(0.01)
    return time.monotonic() - start


def wait_for_worker(http: httpx.Client) -> None:
    deadline = time.monotonic() + 30
    while http.get("/api/v2/people/search", params={"email": "a@x.com"}).status_code == 404:
        assert time.monotonic() < deadline, "the worker never applied the first call"
        time.sleep(0.05)


def test_membership_follows_track_and_identify_within_a_second(live_server: LiveServer) -> None:
    key, token = live_server.private_key, live_server.public_key
    with httpx.Client(base_url=live_server.base_url, headers={"api-key": key}, timeout=5) as http:
        created = http.post(
            "/api/v2/segments", json={"segment_name": "Gold buyers", "definition": GOLD_BUYERS}
        )
        segment_id = created.json()["segment_id"]

        gold = identify(token, **{"$email": "a@x.com", "Plan": "Gold"})
        assert http.get("/api/identify", params={"data": b64(gold)}).text == "1"
        wait_for_worker(http)  # its process starts beside the server
        assert members(http, segment_id) == set()  # no order yet
        order = track(token, "Placed Order", "a@x.com")
        entered = lag(http, "/api/track", order, segment_id, {"a@x.com"})
        assert entered < LAG_LIMIT, f"entered after {entered:.2f} s"
        silver = identify(token, **{"$email": "a@x.com", "Plan": "Silver"})
        left = lag(http, "/api/identify", silver, segment_id, set())
        assert left < LAG_LIMIT, f"left after {left:.2f} s"

        v1 = http.get(f"/api/v1/segment/{segment_id}/members", params={"email": "a@x.com"})
        assert v1.json() == []


def test_a_time_window_closes_with_no_new_event(
    client: TestClient, account: CreatedAccount, store: Store, clock: Clock
) -> None:
    worker = Worker(store, clock=clock)
    rest = Rest(client, account)
    segment_id = rest.v2(
        "POST",
        "/api/v2/segments",
        {
            "segment_name": "Ordered in the last 30 days",
            "definition": {"type": "event", "metric": "Placed Order", "within_last_days": 30},
        },
    ).json()["segment_id"]
    ordered = clock.now - 29 * DAY
    payload = track(account.public_key, "Placed Order", "a@x.com", time=int(ordered))
    assert client.get("/api/track", params={"data": b64(payload)}).text == "1"
    worker.drain()

    def emails() -> set[str]:
        page = rest.v2("GET", f"/api/v2/group/{segment_id}/members/all").json()
        return {record["email"] for record in page["records"]}

    assert emails() == {"a@x.com"}
    clock.now = ordered + 30 * DAY - 1  # still inside, by a second
    worker.maintain()
    assert emails() == {"a@x.com"}
    clock.now = ordered + 30 * DAY  # the order is 30 days old: out, with no new event
    worker.maintain()
    assert emails() == set()


def test_the_worker_process_sends_signed_webhooks(live_server: LiveServer) -> None:
    receiver = Receiver().start()
    try:
        key, token = live_server.private_key, live_server.public_key
        with httpx.Client(base_url=live_server.base_url, headers={"api-key": key}) as http:
            segment_id = http.post(
                "/api/v2/segments", json={"segment_name": "Gold buyers", "definition": GOLD_BUYERS}
            ).json()["segment_id"]
            hook = http.post(
                "/api/v2/webhooks", json={"url": receiver.url, "segment_id": segment_id}
            ).json()
            gold = identify(token, **{"$email": "a@x.com", "Plan": "Gold"})
            order = track(token, "Placed Order", "a@x.com")
            for payload, path in ((gold, "/api/identify"), (order, "/api/track")):
                assert http.get(path, params={"data": b64(payload)}).text == "1"
        [request] = receiver.wait_for(1, timeout=10)
        assert verify(hook["secret"], request.body, request.headers[SIGNATURE_HEADER.lower()])
        body = orjson.loads(request.body)
        assert (body["type"], body["segment"]["id"]) == ("segment.entered", segment_id)
        assert body["person"]["$email"] == "a@x.com"
    finally:
        receiver.stop()
