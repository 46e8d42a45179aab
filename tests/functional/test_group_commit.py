"""Group commit: records that arrive while an inbox commit is in flight share the next one,
and each request is answered `1` only once its record is committed."""

from __future__ import annotations

import asyncio
import time

import httpx
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from cairn.accounts.actions import CreatedAccount
from cairn.ingest.views import IngestApp
from cairn.pipeline.worker import Worker
from cairn.store import Store
from support.locks import inbox_write_lock, release
from support.payloads import b64, track

REQUESTS = 400


def test_records_arriving_during_a_commit_share_the_next_one(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    app = client.app
    assert isinstance(app, IngestApp) and client.portal is not None
    committer = app.committer
    commits, records = committer.commits, committer.committed_records
    entered = 0

    async def counting(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal entered
        entered += 1
        await app(scope, receive, send)

    payloads = [
        track(account.public_key, "Burst", f"p{n % 40}@x.io", properties={"$event_id": f"e-{n}"})
        for n in range(REQUESTS)
    ]

    async def burst() -> list[str]:
        # Hold the inbox's write lock, so the first commit stays in flight (well within the
        # busy timeout) while every other request arrives and queues its record.
        with inbox_write_lock(store) as locker:
            transport = httpx.ASGITransport(app=counting)
            async with httpx.AsyncClient(transport=transport, base_url="http://cairn") as http:
                requests = asyncio.gather(
                    *(http.get("/api/track", params={"data": b64(p)}) for p in payloads)
                )
                deadline = time.monotonic() + 1.0
                while entered < REQUESTS and time.monotonic() < deadline:
                    await asyncio.sleep(0.01)
                assert store.inbox_depth() == 0  # nothing answered, nothing committed yet
                release(locker)
                responses = await requests
        # Every `1` was sent after its record's commit: all of them are in the inbox now.
        assert store.inbox_depth() == REQUESTS
        return [response.text for response in responses]

    assert client.portal.call(burst) == ["1"] * REQUESTS
    assert committer.committed_records - records == REQUESTS
    assert committer.commits - commits <= 3

    assert worker.drain() == REQUESTS
    with store.read() as queries:
        assert queries.counts(account.account_id)["events"] == REQUESTS
