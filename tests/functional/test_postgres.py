"""PostgreSQL-only behaviour of the store: migrations, lane leases, transient failures."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

from cairn.accounts.actions import CreatedAccount, do_create_account
from cairn.inbox.records import InboxRecord, Kind
from cairn.pipeline.worker import Worker
from cairn.store import StoreConflict, StoreUnavailable
from cairn.store.migrations import migration_scripts
from cairn.store.postgres import PostgresStore
from support.inbox import append_all, as_ingested
from support.live import free_port
from support.payloads import track
from support.postgres import PostgresServer

POSTGRES_VERSIONS = [version for version, _ in migration_scripts("postgres")]


def test_every_sqlite_migration_has_a_postgresql_twin() -> None:
    assert [version for version, _ in migration_scripts("sqlite")] == POSTGRES_VERSIONS


@pytest.fixture
def pg_account(postgres_url: str) -> CreatedAccount:
    store = PostgresStore(postgres_url)
    try:
        return do_create_account(store, "Shop")
    finally:
        store.close()


@pytest.fixture
def open_stores(postgres_url: str) -> Iterator[list[PostgresStore]]:
    """Stores made by a test; each stands for one worker process. Closed at the end."""
    stores: list[PostgresStore] = []
    yield stores
    for store in stores:
        store.close()


def new_store(stores: list[PostgresStore], url: str, lease_seconds: float = 30.0) -> PostgresStore:
    store = PostgresStore(url, lease_seconds=lease_seconds)
    stores.append(store)
    return store


def append_tracks(store: PostgresStore, account: CreatedAccount, count: int) -> None:
    emails = [f"user{n % 50}@example.com" for n in range(count)]
    append_all(
        store,
        [
            as_ingested(
                account.account_id,
                track(account.public_key, email=email, properties={"$event_id": n}),
            )
            for n, email in enumerate(emails)
        ],
    )


def count(store: PostgresStore, table: str) -> int:
    with store.read() as queries:
        return int(queries.one(f"SELECT count(*) FROM {table}")[0])


def test_migrations_run_once_even_when_processes_start_together(
    postgres_server: PostgresServer,
) -> None:
    with postgres_server.fresh_database() as url:
        stores = [PostgresStore(url) for _ in range(3)]
        applied: list[list[int]] = []
        threads = [
            threading.Thread(target=lambda s=store: applied.append(s.migrate())) for store in stores
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(applied) == [[], [], POSTGRES_VERSIONS]
        assert count(stores[0], "partition_leases") == 64
        for store in stores:
            store.close()


def test_two_workers_split_the_lanes_and_apply_everything_once(
    postgres_url: str, pg_account: CreatedAccount, open_stores: list[PostgresStore]
) -> None:
    first, second = (new_store(open_stores, postgres_url, lease_seconds=0.6) for _ in range(2))
    append_tracks(first, pg_account, 400)
    workers = [Worker(first, batch_size=20), Worker(second, batch_size=20)]
    deadline = time.monotonic() + 30
    while first.inbox_depth() and time.monotonic() < deadline:
        for worker in workers:
            worker.run_once()
        time.sleep(0.05)
    assert first.inbox_depth() == 0
    assert count(first, "events") == 400
    assert workers[0].totals.events + workers[1].totals.events == 400
    assert workers[0].totals.events > 0 and workers[1].totals.events > 0
    for _ in range(2):  # let a hand-over still under way finish
        time.sleep(0.25)
        for worker in workers:
            worker.run_once()
    assert not set(first.leases.held) & set(second.leases.held)
    assert len(first.leases.held) + len(second.leases.held) == 64


def test_a_dead_workers_lanes_are_taken_over_when_its_leases_expire(
    postgres_url: str, pg_account: CreatedAccount, open_stores: list[PostgresStore]
) -> None:
    dead = new_store(open_stores, postgres_url, lease_seconds=1.0)
    assert Worker(dead).run_once() == 0  # takes every lane, then stops renewing
    assert len(dead.leases.held) == 64
    append_tracks(dead, pg_account, 100)
    survivor = new_store(open_stores, postgres_url, lease_seconds=1.0)
    worker = Worker(survivor)
    assert worker.drain() == 0
    time.sleep(1.2)
    assert worker.drain() == 100
    assert len(survivor.leases.held) == 64
    assert count(survivor, "events") == 100


def test_a_closed_store_hands_its_lanes_over_at_once(
    postgres_url: str, pg_account: CreatedAccount, open_stores: list[PostgresStore]
) -> None:
    leaving = PostgresStore(postgres_url)
    with leaving.worker_slot():
        assert len(leaving.leases.held) == 64
    leaving.close()
    append_tracks(new_store(open_stores, postgres_url), pg_account, 50)
    assert Worker(new_store(open_stores, postgres_url)).drain() == 50


def test_lanes_in_the_middle_of_a_batch_are_not_taken_over(
    postgres_url: str, pg_account: CreatedAccount, open_stores: list[PostgresStore]
) -> None:
    slow = new_store(open_stores, postgres_url, lease_seconds=0.5)
    other = new_store(open_stores, postgres_url, lease_seconds=0.5)
    append_tracks(slow, pg_account, 30)
    with slow.pipeline_batch(10) as (entries, queries):
        time.sleep(0.8)  # the leases expire while the batch still runs
        assert Worker(other).drain() == 0
        Worker(slow).applier.apply(entries, queries)
    time.sleep(0.2)
    assert Worker(other).drain() == 20
    assert count(other, "events") == 30


def test_a_transient_error_fails_the_transaction_even_when_caught(
    postgres_url: str, pg_account: CreatedAccount, open_stores: list[PostgresStore]
) -> None:
    store = new_store(open_stores, postgres_url)
    with psycopg.connect(postgres_url) as blocker:
        blocker.execute("SELECT 1 FROM accounts FOR UPDATE")
        with pytest.raises(StoreConflict, match="lock timeout"), store.transaction() as queries:
            queries.run("SET LOCAL lock_timeout = '50ms'")
            queries.insert_rejection(pg_account.account_id, "track", "{}", "kept?", 0.0, 0.0)
            queries.run("SAVEPOINT entry")
            with pytest.raises(StoreConflict):
                queries.run("SELECT 1 FROM accounts FOR UPDATE")
            queries.run("ROLLBACK TO SAVEPOINT entry")
    assert count(store, "rejected") == 0


def test_losing_a_race_to_create_a_profile_is_retried_not_rejected(
    postgres_url: str, pg_account: CreatedAccount, open_stores: list[PostgresStore]
) -> None:
    from cairn.pipeline.identity import Identifiers

    first, second = new_store(open_stores, postgres_url), new_store(open_stores, postgres_url)
    identifiers = Identifiers({"email": "race@example.com"})
    outcome: list[BaseException] = []
    inserted = threading.Event()

    def insert_later() -> None:
        inserted.wait()
        try:
            with second.transaction() as queries:
                queries.insert_profile(pg_account.account_id, identifiers, {"n": 2}, 0.0)
        except StoreConflict as error:
            outcome.append(error)

    racer = threading.Thread(target=insert_later)
    racer.start()
    with first.transaction() as queries:
        queries.insert_profile(pg_account.account_id, identifiers, {"n": 1}, 0.0)
        inserted.set()
        time.sleep(0.2)  # the racer now waits on this transaction's row
    racer.join()
    assert len(outcome) == 1
    with second.read() as queries:
        profile = queries.profile_by_identifier(pg_account.account_id, "email", "race@example.com")
    assert profile is not None and profile.properties == {"n": 1}


def test_text_with_nul_is_stored_with_a_replacement_character(
    postgres_url: str, pg_account: CreatedAccount, open_stores: list[PostgresStore]
) -> None:
    store = new_store(open_stores, postgres_url)
    appender = store.inbox_appender()
    appender.append(
        [InboxRecord(Kind.TRACK, pg_account.account_id, time.time(), 0, b"{\x00", "bad JSON")]
    )
    appender.close()
    assert Worker(store).drain() == 1
    with store.read() as queries:
        (rejection,) = queries.rejections(pg_account.account_id)
    assert rejection.payload == "{\ufffd" and rejection.reason == "bad JSON"


def test_an_unreachable_server_makes_the_store_unavailable() -> None:
    store = PostgresStore(f"postgresql://cairn:secret@127.0.0.1:{free_port()}/cairn")
    with pytest.raises(StoreUnavailable, match="refused") as refused:
        store.migrate()
    assert not isinstance(refused.value, StoreConflict)
    appender = store.inbox_appender()
    with pytest.raises(StoreUnavailable):
        appender.append([InboxRecord(Kind.TRACK, 1, 0.0, 0, b"{}")])
    with pytest.raises(StoreUnavailable), store.read():
        pass
    store.close()
