"""PostgreSQL goes away under load and comes back: nothing acknowledged is lost or doubled."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cairn.accounts.actions import do_create_account
from cairn.store import open_store
from support.live import LiveServer
from support.load import Answer, Request, send_all
from support.observe import wait_for
from support.payloads import track
from support.postgres import PostgresCluster

pytestmark = pytest.mark.slow


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    """A server of the test's own, since the test stops it."""
    with PostgresCluster() as cluster:
        yield cluster


def test_requests_get_503_while_postgres_is_down_and_every_1_is_stored_once(
    tmp_path: Path, cluster: PostgresCluster
) -> None:
    url = cluster.server.create_database("cairn")
    store = open_store(url)
    store.migrate()
    account = do_create_account(store, "Outage")
    requests = [
        Request(
            "/api/track",
            track(account.public_key, email=f"u{n % 300}@example.com", properties={"$event_id": n}),
        )
        for n in range(40_000)
    ]
    server = LiveServer(tmp_path / "live", database_url=url)  # HTTP and its embedded worker
    server.start()
    metrics_url = f"{server.base_url}/api/v1/metrics?api_key={account.private_key}"
    answers: list[Answer] = []
    sending_until = time.monotonic() + 12
    sender = threading.Thread(
        target=lambda: answers.extend(
            send_all([server.base_url], requests, concurrency=8, processes=1, until=sending_until)
        )
    )
    try:
        sender.start()
        time.sleep(3)
        cluster.stop("immediate")
        down_at = time.monotonic()
        rest_while_down = httpx.get(metrics_url, timeout=30)
        time.sleep(max(0.0, down_at + 3 - time.monotonic()))
        up_at = time.monotonic()
        cluster.start()
        sender.join()
        rest_after = httpx.get(metrics_url, timeout=30)
        wait_for(store.inbox_depth, lambda depth: depth == 0, 60)
    finally:
        server.stop()

    assert rest_while_down.status_code == 503 and rest_while_down.json()["message"]
    assert rest_after.status_code == 200

    while_down = [a for a in answers if down_at < a.started and a.ended < up_at]
    assert while_down and all(a.status == 503 and a.body == "0" for a in while_down)
    accepted = [a for a in answers if a.accepted]
    assert any(a.ended < down_at for a in accepted), "nothing was accepted before the outage"
    assert any(a.started > up_at for a in accepted), "ingest did not recover by itself"
    assert all(a.accepted or a.status == 503 for a in answers)

    with store.read() as queries:
        rows = queries.all(
            "SELECT event_id FROM events WHERE account_id = ?", (account.account_id,)
        )
    store.close()
    stored = Counter(event_id for (event_id,) in rows)
    assert all(copies == 1 for copies in stored.values())
    missing = {str(a.request.payload["properties"]["$event_id"]) for a in accepted} - set(stored)
    assert not missing
