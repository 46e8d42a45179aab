"""The SDK against a real `cairn serve` (and scripted loopback servers for retries)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import time

import pytest

from cairn.sdk import (
    ApiError,
    AsyncClient,
    Batching,
    Client,
    Refused,
    RetryPolicy,
)
from cairn.store.exports import EventFilter, events_after
from support.live import LiveServer
from support.observe import counts, settled, store_of, wait_for
from support.stub import Answer, Stub, running

FAST = RetryPolicy(attempts=4, base=0.01, cap=0.05)


def stored_events(server: LiveServer) -> list[tuple[str, str]]:
    with store_of(server) as store, store.read() as queries:
        rows = events_after(queries, EventFilter(account_id=1), 0, 1000)
    return [(row.metric, row.event_id) for row in rows]


def test_track_and_identify_are_applied(live_server: LiveServer) -> None:
    with Client(public_key=live_server.public_key, base_url=live_server.base_url) as cairn:
        who = cairn.identify({"$first_name": "Ann"}, email="ann@example.com")
        sent = cairn.track(
            "Placed Order", email="ann@example.com", properties={"$value": 42}, time=1600000000
        )
    assert (who.accepted, sent.accepted, sent.attempts, sent.status) == (True, True, 1, 200)
    with store_of(live_server) as store:
        settled(store, events=1)
        with store.read() as queries:
            profile = queries.profile_by_identifier(1, "email", "ann@example.com")
            (event,) = events_after(queries, EventFilter(account_id=1), 0, 10)
    assert profile is not None and profile.properties["$first_name"] == "Ann"
    assert (event.event_id, event.time, event.value) == (sent.event_id, 1600000000, 42.0)


def test_a_refused_payload_answers_not_accepted(live_server: LiveServer) -> None:
    with Client(public_key="nokey1", base_url=live_server.base_url) as cairn:
        assert cairn.track("Placed Order", email="a@example.com").accepted is False


def test_batch_is_sent_when_it_is_full(live_server: LiveServer) -> None:
    batching = Batching(max_batch=5, interval=3600)
    with Client(live_server.public_key, base_url=live_server.base_url, batching=batching) as cairn:
        results = [cairn.track("Viewed", email=f"u{i}@example.com") for i in range(7)]
        assert all(r.queued and r.accepted is None for r in results)
        with store_of(live_server) as store:
            settled(store, events=5)  # the full batch went; two wait for the interval
        assert cairn.batcher is not None and len(cairn.batcher) == 2
    with store_of(live_server) as store:
        settled(store, events=7)  # closing sent the rest


def test_batch_is_sent_when_the_interval_passes(live_server: LiveServer) -> None:
    batching = Batching(max_batch=1000, interval=0.3)
    with Client(live_server.public_key, base_url=live_server.base_url, batching=batching) as cairn:
        began = time.monotonic()
        for i in range(3):
            cairn.track("Viewed", email=f"u{i}@example.com")
        assert cairn.batcher is not None
        wait_for(lambda: cairn.batcher.counts.sent, lambda sent: sent == 3)  # type: ignore[union-attr]
        assert time.monotonic() - began >= 0.29
        with store_of(live_server) as store:
            settled(store, events=3)


EXITING_SCRIPT = """
import sys
from cairn.sdk import Batching, Client

cairn = Client(sys.argv[1], base_url=sys.argv[2], batching=Batching(max_batch=1000, interval=3600))
for i in range(20):
    cairn.track("Viewed", email=f"u{i}@example.com")
print(len(cairn.batcher), flush=True)
# no flush, no close: the interpreter's exit sends the queue
"""


def test_queue_is_sent_at_interpreter_exit(live_server: LiveServer) -> None:
    done = subprocess.run(
        [sys.executable, "-c", EXITING_SCRIPT, live_server.public_key, live_server.base_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "20"  # all 20 were still queued when the script ended
    with store_of(live_server) as store:
        assert settled(store, events=20).profiles == 20


def test_backoff_on_429_then_success_counts_attempts() -> None:
    throttled = Answer(429, b'{"detail": "Request was throttled."}', {"Retry-After": "0"})
    stub = Stub([throttled, throttled, Answer(200, b"1")])
    with running(stub) as url, Client("AbC123", base_url=url, retry=FAST) as cairn:
        result = cairn.track("Placed Order", email="a@example.com")
    assert (result.accepted, result.attempts) == (True, 3)
    sent_ids = {json.loads(seen.form["data"][0])["properties"]["$event_id"] for seen in stub.seen}
    assert sent_ids == {result.event_id}  # every attempt carried the same $event_id


def test_retry_after_is_waited_for() -> None:
    stub = Stub([Answer(429, b"", {"Retry-After": "1"}), Answer(200, b"1")])
    with running(stub) as url, Client("AbC123", base_url=url, retry=FAST) as cairn:
        assert cairn.identify(email="a@example.com").attempts == 2
    assert stub.seen[1].at - stub.seen[0].at >= 0.95


def test_retries_give_up_with_the_last_error() -> None:
    stub = Stub([Answer(503, b"0")])
    with (
        running(stub) as url,
        Client("AbC123", base_url=url, retry=FAST) as cairn,
        pytest.raises(ApiError) as raised,
    ):
        cairn.track("Placed Order", email="a@example.com")
    assert raised.value.status == 503
    assert len(stub.seen) == FAST.attempts


def test_a_lost_answer_and_its_retry_count_once(live_server: LiveServer) -> None:
    """The server stores the event but the answer is lost (503 from a proxy); the SDK retries
    with the same $event_id and the pipeline's dedupe keeps one event."""
    stub = Stub([Answer(503, b"0", forward=True), Answer(None, forward=True)], live_server.base_url)
    with running(stub) as url, Client(live_server.public_key, base_url=url, retry=FAST) as cairn:
        result = cairn.track("Placed Order", email="a@example.com", properties={"$value": 5})
    assert (result.accepted, result.attempts, stub.forwarded) == (True, 2, 2)
    with store_of(live_server) as store:
        settled(store, events=1)
        time.sleep(0.3)  # anything late would show now
        assert counts(store).events == 1
    assert stored_events(live_server) == [("Placed Order", result.event_id)]


def test_batched_sends_retry_too_and_report_refusals() -> None:
    stub = Stub([Answer(429, b"", {"Retry-After": "0"}), Answer(200, b"1"), Answer(200, b"0")])
    failures: list[BaseException] = []
    batching = Batching(max_batch=10, interval=3600)
    with (
        running(stub) as url,
        Client(
            "AbC123",
            base_url=url,
            retry=FAST,
            batching=batching,
            on_error=lambda item, error: failures.append(error),
        ) as cairn,
    ):
        cairn.track("A", email="a@example.com")
        cairn.track("B", email="b@example.com")
        assert cairn.flush(timeout=10)
        assert cairn.batcher is not None
        assert (cairn.batcher.counts.sent, cairn.batcher.counts.failed) == (1, 1)
    assert len(stub.seen) == 3
    assert len(failures) == 1 and isinstance(failures[0], Refused)


def test_async_client_sends_directly_and_batched(live_server: LiveServer) -> None:
    async def scenario() -> None:
        async with AsyncClient(live_server.public_key, base_url=live_server.base_url) as cairn:
            result = await cairn.track("Placed Order", email="a@example.com")
            assert (result.accepted, result.attempts) == (True, 1)
        batching = Batching(max_batch=100, interval=3600, when_full="block")
        async with AsyncClient(
            live_server.public_key, base_url=live_server.base_url, batching=batching
        ) as cairn:
            for i in range(5):
                assert (await cairn.track("Viewed", email=f"u{i}@example.com")).queued
            assert await cairn.flush(timeout=10)

    asyncio.run(scenario())
    with store_of(live_server) as store:
        settled(store, events=6)


def test_async_backoff_counts_attempts() -> None:
    stub = Stub([Answer(502, b""), Answer(200, b"1")])

    async def scenario() -> int:
        async with AsyncClient("AbC123", base_url=url, retry=FAST) as cairn:
            return (await cairn.identify(email="a@example.com")).attempts

    with running(stub) as url:
        assert asyncio.run(scenario()) == 2


IMPORT_CHECK = textwrap.dedent("""
    import sys

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {"starlette", "uvicorn", "psycopg", "orjson", "typer", "rich"}:
                raise ImportError(f"blocked: {name}")
            return None

    sys.meta_path.insert(0, Blocker())
    import cairn.sdk
    from cairn.sdk import AsyncClient, Client
    loaded = sorted(m for m in sys.modules if m.startswith("cairn."))
    try:
        import cairn.app  # the server: must fail here, proving the blocker works
    except ImportError:
        print(" ".join(loaded))
""")


def test_sdk_imports_without_server_dependencies() -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_CHECK], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.split()
    assert "cairn.sdk.client" in loaded
    assert all(name.startswith("cairn.sdk") for name in loaded)
