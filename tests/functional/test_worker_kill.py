"""A worker SIGKILLed in the middle of a batch: another takes its lanes over; nothing is lost,
nothing is applied twice, and each profile's events stay in order."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest

from cairn.accounts.actions import do_create_account
from cairn.inbox.records import InboxRecord
from cairn.store import open_store
from support.inbox import append_all, as_ingested
from support.observe import wait_for
from support.payloads import track
from support.workers import WorkerProcess

pytestmark = pytest.mark.slow

TRACKS = 20_000
PROFILES = 500
UNIDENTIFIED = 400  # rejected when applied: a second application would record them twice


def inbox_records(account_id: int, token: str) -> list[InboxRecord]:
    payloads: list[dict[str, Any]] = []
    for n in range(TRACKS):
        email = f"u{n % PROFILES}@example.com"
        payloads.append(track(token, email=email, properties={"$event_id": n}))
        if n % (TRACKS // UNIDENTIFIED) == 0:
            marker = {"m": len(payloads)}
            payloads.append({"token": token, "event": "Orphan", "properties": marker})
    return [as_ingested(account_id, payload) for payload in payloads]


def test_killed_workers_lanes_are_taken_over_without_loss_or_double_apply(
    tmp_path: Path, postgres_url: str
) -> None:
    store = open_store(postgres_url)
    account = do_create_account(store, "Kill")
    append_all(store, inbox_records(account.account_id, account.public_key))
    args = ["--lease-seconds", "2", "--batch-size", "200"]
    victim, survivor = (WorkerProcess(postgres_url, tmp_path / f"w{n}.log", args) for n in (1, 2))
    monitor = psycopg.connect(postgres_url, autocommit=True)

    def victim_is_applying() -> bool:
        """Inside a batch's transaction, its events inserted and not yet committed: the last
        statement is the events' insert or one of the rollup upserts that follow it."""
        row = monitor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
            " AND xact_start IS NOT NULL AND (query LIKE 'INSERT INTO events%%'"
            " OR query LIKE 'INSERT INTO metric_daily%%')",
            (victim.application_name,),
        ).fetchone()
        return bool(row and row[0])

    try:
        victim.start()
        survivor.start()
        wait_for(store.inbox_depth, lambda depth: depth < TRACKS * 0.8, 60)
        wait_for(victim_is_applying, bool, 60)
        victim.kill()
        depth_at_kill = store.inbox_depth()
        wait_for(store.inbox_depth, lambda depth: depth == 0, 90)
        owners = monitor.execute(
            "SELECT count(DISTINCT owner) FROM partition_leases WHERE expires_at > now()"
        ).fetchone()
    finally:
        victim.kill()
        survivor.stop()
        monitor.close()

    assert depth_at_kill > 0
    assert owners == (1,)
    with store.read() as queries:
        events = queries.all(
            "SELECT profile_id, event_id FROM events WHERE account_id = ? ORDER BY id",
            (account.account_id,),
        )
        rejected = queries.rejections(account.account_id, limit=UNIDENTIFIED * 2)
    store.close()
    assert len(events) == len(set(events)) == TRACKS
    markers = Counter(orjson.loads(r.payload)["properties"]["m"] for r in rejected)
    assert len(markers) == UNIDENTIFIED
    assert set(markers.values()) == {1}
    last_seen: dict[int, int] = {}
    for profile_id, event_id in events:
        assert int(event_id) > last_seen.get(profile_id, -1), "events applied out of order"
        last_seen[profile_id] = int(event_id)
