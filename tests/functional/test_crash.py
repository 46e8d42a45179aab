"""Crash test: a real `cairn serve` is SIGKILLed while thousands of Track calls are in flight.
After a restart on the same data folder, every event that was answered `1` is applied exactly
once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from cairn.config import default_database_url
from cairn.store import Store, open_store
from support.live import LiveServer
from support.payloads import b64, track

pytestmark = pytest.mark.slow

METRIC = "Crash Test"
BEFORE_KILL = 2500  # requests meant for the first server
KILL_AFTER = 1200  # answers `1` before the SIGKILL
AFTER_RESTART = 300
CONCURRENCY = 50
CATCH_UP_SECONDS = 30.0


async def send_events(server: LiveServer, numbers: range, kill_after: int | None) -> set[str]:
    """Track one event per number over `CONCURRENCY` connections; returns the event ids
    answered `1`. With `kill_after`, the server is SIGKILLed once that many were answered,
    while the other connections have requests in flight."""
    answered: set[str] = set()
    todo = iter(numbers)

    async def connection() -> None:
        # One client per connection: httpx's pool gets slow when it manages many.
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
            for n in todo:
                if server.process is None:
                    return  # killed: stop sending
                event_id = f"crash-{n}"
                payload = track(
                    server.public_key,
                    METRIC,
                    f"c{n % 97}@x.io",
                    properties={"$event_id": event_id, "n": n},
                )
                try:
                    if n % 2:
                        response = await http.get("/api/track", params={"data": b64(payload)})
                    else:
                        response = await http.post(
                            "/api/track", data={"data": orjson.dumps(payload).decode()}
                        )
                except httpx.TransportError:
                    continue  # no answer: the event may or may not have been kept
                if response.text == "1":
                    answered.add(event_id)
                    if len(answered) == kill_after:
                        server.kill()

    await asyncio.gather(*(connection() for _ in range(CONCURRENCY)))
    return answered


def wait_for_catch_up(store: Store) -> None:
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while store.inbox_depth() > 0:
        assert time.monotonic() < deadline, "the worker did not catch up"
        time.sleep(0.1)


@pytest.fixture
def windowed_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A commit window keeps records waiting a little before their commit, so a SIGKILL
    lands while some are queued: any `1` sent before the commit would be caught."""
    server = LiveServer(tmp_path / "live", extra_args=["--commit-window-ms", "20"])
    server.start()
    yield server
    server.stop()


def test_every_event_answered_1_survives_a_sigkill_exactly_once(
    windowed_server: LiveServer,
) -> None:
    server = windowed_server
    before = asyncio.run(send_events(server, range(BEFORE_KILL), KILL_AFTER))
    assert server.process is None, "the server was not killed mid-stream"
    assert KILL_AFTER <= len(before) < BEFORE_KILL

    server.start()
    after = asyncio.run(send_events(server, range(BEFORE_KILL, BEFORE_KILL + AFTER_RESTART), None))
    assert len(after) == AFTER_RESTART  # the restarted server answers every request

    store = open_store(default_database_url(server.data_dir))
    try:
        wait_for_catch_up(store)
        with store.read() as queries:
            account = queries.account_by_public_key(server.public_key)
            assert account is not None
            stored = Counter(e.event_id for e in queries.events(account.id) if e.metric == METRIC)
            assert queries.rejections(account.id) == []
    finally:
        store.close()

    missing = (before | after) - stored.keys()
    assert not missing, f"{len(missing)} events answered 1 were lost, e.g. {sorted(missing)[:5]}"
    assert max(stored.values()) == 1
    # Events cut off by the kill may be there or not, but nothing that was never sent.
    sent = {f"crash-{n}" for n in range(BEFORE_KILL + AFTER_RESTART)}
    assert stored.keys() <= sent
