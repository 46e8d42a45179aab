"""Scale-out on PostgreSQL: two ingest processes and three workers on one database."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from cairn.accounts.actions import CreatedAccount, do_create_account
from cairn.store import Store, open_store
from support.live import LiveServer
from support.load import Request, send_all
from support.observe import wait_for
from support.payloads import identify, track
from support.workers import WorkerProcess

pytestmark = pytest.mark.slow

PROFILES = 2_000
TRACKS_PER_PROFILE = 7
IDENTIFIES_PER_PROFILE = 3


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[Store]:
    store = open_store(postgres_url)
    yield store
    store.close()


def email(profile: int) -> str:
    return f"user{profile}@example.com"


def requests_for(token: str, profile: int) -> list[Request]:
    """Seven tracks keyed by email, and three identifies each setting a property of its own.
    The third carries only the external id, so it hashes to another lane than the email: it
    may reach the store before the first identify links that id to the email (then the two
    profiles merge) or after (then it updates the same profile another worker updates)."""
    requests = [
        Request(
            "/api/track",
            track(token, event="Viewed", email=email(profile), properties={"$event_id": f"{n}"}),
        )
        for n in range(TRACKS_PER_PROFILE)
    ]
    external_id = f"ext-{profile}"
    requests.append(
        Request(
            "/api/identify",
            identify(token, **{"$email": email(profile), "$id": external_id, "p0": 0}),
        )
    )
    requests.append(
        Request("/api/identify", identify(token, **{"$email": email(profile), "p1": 1}))
    )
    requests.append(Request("/api/identify", identify(token, **{"$id": external_id, "p2": 2})))
    return requests


def test_two_ingest_processes_and_three_workers_lose_and_double_nothing(
    tmp_path: Path, postgres_url: str, pg_store: Store
) -> None:
    account: CreatedAccount = do_create_account(pg_store, "Scale")
    servers = [
        LiveServer(tmp_path / f"ingest{n}", ["--no-worker"], database_url=postgres_url)
        for n in range(2)
    ]
    workers = [
        WorkerProcess(postgres_url, tmp_path / f"worker{n}.log", ["--lease-seconds", "3"])
        for n in range(3)
    ]
    requests = [r for p in range(PROFILES) for r in requests_for(account.public_key, p)]
    random.Random(4).shuffle(requests)
    try:
        for process in [*servers, *workers]:
            process.start()
        answers = send_all([server.base_url for server in servers], requests, concurrency=64)
        wait_for(pg_store.inbox_depth, lambda depth: depth == 0, 90)
    finally:
        for process in [*servers, *workers]:
            process.stop()

    assert len(answers) == len(requests) == 20_000
    assert all(answer.accepted for answer in answers)
    acknowledged: dict[str, set[str]] = defaultdict(set)
    for answer in answers:
        if answer.request.path == "/api/track":
            payload = answer.request.payload
            acknowledged[payload["customer_properties"]["$email"]].add(
                payload["properties"]["$event_id"]
            )

    with pg_store.read() as queries:
        rows = queries.all(
            "SELECT p.email, e.event_id, count(*) FROM events e"
            " JOIN profiles p ON p.account_id = e.account_id AND p.id = e.profile_id"
            " WHERE e.account_id = ? GROUP BY p.email, e.event_id",
            (account.account_id,),
        )
        live_profiles = queries.all(
            "SELECT email, external_id, properties FROM profiles"
            " WHERE account_id = ? AND merged_into IS NULL",
            (account.account_id,),
        )
        rejected = queries.rejections(account.account_id)
    stored: dict[str, set[str]] = defaultdict(set)
    for profile_email, event_id, copies in rows:
        assert copies == 1
        stored[profile_email].add(event_id)
    assert stored == acknowledged

    assert rejected == []
    assert len(live_profiles) == PROFILES
    for profile_email, external_id, properties in live_profiles:
        number = int(profile_email.removeprefix("user").split("@")[0])
        assert external_id == f"ext-{number}"
        landed = orjson.loads(properties)
        assert [landed.get(key) for key in ("p0", "p1", "p2")] == [0, 1, 2], profile_email
