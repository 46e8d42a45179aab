"""Live membership: the pipeline, the time-window rechecks and the full rebuild, on a real store."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount
from cairn.pipeline.worker import Worker
from cairn.segments.actions import do_create_segment, do_rebuild_segment, do_update_segment
from cairn.segments.moments import DAY
from cairn.store import Store
from cairn.store.segment_queries import SegmentQueries, SegmentRow
from support.clock import Clock
from support.payloads import b64, identify, track


@pytest.fixture
def worker(store: Store, clock: Clock) -> Worker:
    return Worker(store, clock=clock)


def send(client: TestClient, path: str, payload: dict[str, Any]) -> None:
    assert client.get(path, params={"data": b64(payload)}).text == "1"


def members(store: Store, account: CreatedAccount, segment: SegmentRow) -> set[str]:
    with store.read() as queries:
        rows = SegmentQueries(queries).members_after(account.account_id, segment.id, 0, 1000)
    return {row.email or "" for row in rows}


def changes(store: Store, segment: SegmentRow) -> list[tuple[str, bool]]:
    with store.read() as queries:
        rows = queries.all(
            "SELECT p.email, c.entered FROM segment_changes c JOIN profiles p"
            " ON p.id = c.profile_id WHERE c.segment_id = ? ORDER BY c.id",
            (segment.id,),
        )
    return [(email, bool(entered)) for email, entered in rows]


def test_identify_moves_a_profile_in_and_out(
    client: TestClient, account: CreatedAccount, store: Store, worker: Worker
) -> None:
    gold = do_create_segment(
        store,
        account.account_id,
        "Gold",
        {"type": "property", "property": "Plan", "op": "equals", "value": "gold"},
    )
    token = account.public_key
    send(client, "/api/identify", identify(token, **{"$email": "a@x.com", "Plan": "Gold"}))
    send(client, "/api/identify", identify(token, **{"$email": "b@x.com", "Plan": "Silver"}))
    worker.drain()
    assert members(store, account, gold) == {"a@x.com"}

    send(client, "/api/identify", identify(token, **{"$email": "a@x.com", "Plan": "Silver"}))
    send(client, "/api/identify", identify(token, **{"$email": "b@x.com", "Plan": "GOLD"}))
    worker.drain()
    assert members(store, account, gold) == {"b@x.com"}
    assert sorted(changes(store, gold)) == [
        ("a@x.com", False),
        ("a@x.com", True),
        ("b@x.com", True),
    ]


def test_a_profile_touched_many_times_is_evaluated_once_per_reading_segment(
    client: TestClient, account: CreatedAccount, store: Store, worker: Worker, clock: Clock
) -> None:
    token = account.public_key
    send(client, "/api/identify", identify(token, **{"$email": "a@x.com"}))
    worker.drain()
    for name, metric in (("Buyers", "Placed Order"), ("Viewers", "Viewed Product")):
        do_create_segment(store, account.account_id, name, {"type": "event", "metric": metric})
    do_create_segment(
        store,
        account.account_id,
        "Named",
        {"type": "property", "property": "$first_name", "op": "is_set"},
    )
    for second in range(3):
        send(client, "/api/track", track(token, "Placed Order", "a@x.com", time=clock.now - second))
    with store.pipeline_batch(100) as (entries, queries):
        stats = worker.applier.apply(entries, queries)
    assert stats.events == 3
    assert stats.segment_evaluations == 1  # one profile, only the segment reading the metric

    send(client, "/api/identify", identify(token, **{"$email": "a@x.com", "$first_name": "Al"}))
    with store.pipeline_batch(100) as (entries, queries):
        stats = worker.applier.apply(entries, queries)
    assert stats.segment_evaluations == 1  # only the segment reading $first_name


def test_time_window_exit_without_a_new_event(
    client: TestClient, account: CreatedAccount, store: Store, worker: Worker, clock: Clock
) -> None:
    recent = do_create_segment(
        store,
        account.account_id,
        "Ordered twice in 30 days",
        {"type": "event", "metric": "Placed Order", "count": 2, "within_last_days": 30},
    )
    token = account.public_key
    send(client, "/api/track", track(token, "Placed Order", "a@x.com", time=clock.now - 20 * DAY))
    send(client, "/api/track", track(token, "Placed Order", "a@x.com", time=clock.now - 5 * DAY))
    worker.drain()
    assert members(store, account, recent) == {"a@x.com"}

    clock.now += 10 * DAY - 1  # the older order is 30 days old less one second
    worker.maintain()
    assert members(store, account, recent) == {"a@x.com"}
    clock.now += 1
    worker.maintain()
    assert members(store, account, recent) == set()
    with store.read() as queries:
        left = queries.all("SELECT count(*) FROM segment_rechecks")[0][0]
    assert left == 0  # one order is left in the window: nothing more can change by itself


def test_never_done_in_window_enters_when_the_last_order_ages_out(
    client: TestClient, account: CreatedAccount, store: Store, worker: Worker, clock: Clock
) -> None:
    lapsed = do_create_segment(
        store,
        account.account_id,
        "Lapsed",
        {
            "and": [
                {"type": "event", "metric": "Placed Order"},
                {"type": "event", "metric": "Placed Order", "op": "never", "within_last_days": 7},
            ]
        },
    )
    send(
        client,
        "/api/track",
        track(account.public_key, "Placed Order", "a@x.com", time=clock.now - DAY),
    )
    worker.drain()
    assert members(store, account, lapsed) == set()
    clock.now += 6 * DAY
    worker.maintain()
    assert members(store, account, lapsed) == {"a@x.com"}


def test_merge_keeps_one_membership_on_the_survivor(
    client: TestClient, account: CreatedAccount, store: Store, worker: Worker
) -> None:
    buyers = do_create_segment(
        store, account.account_id, "Buyers", {"type": "event", "metric": "Placed Order"}
    )
    token = account.public_key
    send(
        client, "/api/track", {**track(token, "Placed Order"), "customer_properties": {"$id": "c1"}}
    )
    send(client, "/api/identify", identify(token, **{"$email": "a@x.com"}))
    worker.drain()
    with store.read() as queries:
        before = queries.all("SELECT profile_id FROM segment_members")
    assert len(before) == 1

    send(client, "/api/identify", identify(token, **{"$email": "a@x.com", "$id": "c1"}))
    worker.drain()
    with store.read() as queries:
        survivor = queries.profile_by_identifier(account.account_id, "email", "a@x.com")
        after = queries.all("SELECT profile_id FROM segment_members")
    assert survivor is not None
    assert after == [(survivor.id,)]
    assert members(store, account, buyers) == {"a@x.com"}


def test_new_and_edited_segments_are_built_by_the_worker_and_by_rebuild(
    client: TestClient, account: CreatedAccount, store: Store, worker: Worker
) -> None:
    token = account.public_key
    for i in range(7):
        send(client, "/api/identify", identify(token, **{"$email": f"p{i}@x.com", "n": i}))
    worker.drain()
    big = do_create_segment(
        store,
        account.account_id,
        "Big",
        {"type": "property", "property": "n", "op": "greater", "value": 4},
    )
    worker.rebuild_page = 3  # several pages
    while worker.maintain():
        pass
    assert members(store, account, big) == {"p5@x.com", "p6@x.com"}

    do_update_segment(
        store,
        account.account_id,
        big.id,
        definition={"type": "property", "property": "n", "op": "less", "value": 2},
    )
    seen: list[tuple[int, int]] = []
    result = do_rebuild_segment(
        store, account.account_id, big.id, progress=lambda d, t: seen.append((d, t)), page=3
    )
    assert members(store, account, big) == {"p0@x.com", "p1@x.com"}
    assert (result.profiles, result.entered, result.exited) == (7, 2, 2)
    assert seen[0] == (0, 7) and seen[-1] == (7, 7)
    with store.read() as queries:
        row = SegmentQueries(queries).segment(account.account_id, big.id)
    assert row is not None and row.built_version == row.version == 2
    assert not worker.maintain()  # nothing left to build


def test_changes_made_outside_the_pipeline_are_refreshed_on_request(
    client: TestClient, account: CreatedAccount, store: Store, worker: Worker, clock: Clock
) -> None:
    gold = do_create_segment(
        store,
        account.account_id,
        "Gold",
        {"type": "property", "property": "Plan", "op": "equals", "value": "Gold"},
    )
    send(client, "/api/identify", identify(account.public_key, **{"$email": "a@x.com"}))
    worker.drain()
    with store.transaction() as queries:
        profile = queries.profile_by_identifier(account.account_id, "email", "a@x.com")
        assert profile is not None
        profile.properties["Plan"] = "Gold"
        queries.update_profile(profile)
        changes = worker.applier.segments.refresh_profiles(
            queries, account.account_id, [profile.id], clock.now
        )
    assert (changes.entered, changes.evaluated) == (1, 1)
    assert members(store, account, gold) == {"a@x.com"}
