"""Property rollups on both backends: exports that filter, split or sum by one property answer
from them exactly as a read of the events does, through merges, deletions and back-fills; a key
with too many values is capped and read from the events."""

from __future__ import annotations

from typing import Any

import pytest

from cairn.accounts.actions import CreatedAccount
from cairn.api.export import export_results
from cairn.metrics import property_rollups
from cairn.metrics.export import buckets, check_export_params, export_keys, from_event_groups
from cairn.pipeline.worker import Worker
from cairn.store import Store
from support.inbox import append_all, as_ingested
from support.payloads import identify, track

DAY = 86400
DAY_ONE = 20_000 * DAY  # 2024-10-04, a day the rules accept
TODAY = DAY_ONE // DAY + 2
BRANDS: list[Any] = ["Acme", "Bolt", 1, 1.0, True, None, 'say "hi"']
EXPORTS: list[dict[str, str]] = [
    {"by": "Brand"},
    {"by": "Brand", "measurement": "value"},
    {"by": "Brand", "unit": "week"},
    {"where": '[["Brand", "=", "Acme"]]'},
    {"where": '[["Brand", "=", 1]]', "measurement": "value"},
    {"measurement": '["sum", "Items"]'},
    {"by": "Items", "measurement": '["sum", "Items"]'},
]


def send(store: Store, worker: Worker, account: CreatedAccount, payloads: list[Any]) -> None:
    append_all(store, [as_ingested(account.account_id, payload) for payload in payloads])
    worker.drain()


def orders(account: CreatedAccount, count: int, prefix: str = "") -> list[dict[str, Any]]:
    """`count` orders over three days and three people, Brand cycling through `BRANDS` (or
    absent), Items and $value varying."""
    payloads = []
    for n in range(count):
        properties: dict[str, Any] = {"$event_id": f"{prefix}{n}", "$value": n % 7 + 0.25}
        if n % 9:
            properties["Brand"] = BRANDS[n % len(BRANDS)]
        properties["Items"] = n % 4
        email = f"p{n % 3}@x.io"
        time = DAY_ONE + (n % 3) * DAY + n
        payloads.append(
            track(account.public_key, "Ordered", email, properties=properties, time=time)
        )
    return payloads


def metric_id(store: Store) -> int:
    with store.read() as queries:
        return int(queries.one("SELECT id FROM metrics WHERE name = 'Ordered'")[0])


def assert_rollups_answer_as_events_do(store: Store, account: CreatedAccount) -> None:
    """Every export of `EXPORTS`, as served (from the property rollups), equals the same export
    computed from the events."""
    ordered = metric_id(store)
    with store.read() as queries:
        metric = queries.metric_by_id(account.account_id, ordered)
        assert metric is not None
        for params in EXPORTS:
            query = check_export_params(
                {"start_date": DAY_ONE, "end_date": DAY_ONE + 2 * DAY, **params}, TODAY
            )
            (key,) = export_keys(query)
            served = queries.property_groups(
                account.account_id, metric.id, query.first_day, query.last_day, key
            )
            assert served, f"{params} should be answered from the rollups"
            groups = queries.group_events(
                account.account_id,
                metric.id,
                query.first_day * DAY,
                (query.last_day + 1) * DAY,
                export_keys(query),
                per_profile=False,
            )
            from_events = from_event_groups(
                query, metric.name, buckets(query.first_day, query.last_day, query.unit), groups
            )
            assert export_results(query, metric, queries, account.account_id) == from_events


def test_exports_by_a_property_come_from_the_rollups(
    store: Store, worker: Worker, account: CreatedAccount
) -> None:
    send(store, worker, account, orders(account, 60))
    send(store, worker, account, orders(account, 30, prefix="more-"))
    assert_rollups_answer_as_events_do(store, account)
    ordered = metric_id(store)
    with store.read() as queries:
        acme = queries.property_groups(account.account_id, ordered, DAY_ONE // DAY, TODAY, "Brand")
    assert acme is not None
    # 1, 1.0 and true stay three values, as the payloads sent them.
    assert {repr(g.properties["Brand"]) for g in acme} == {repr(b) for b in BRANDS}


def test_a_merge_takes_the_duplicates_it_drops_out_of_the_rollups(
    store: Store, worker: Worker, account: CreatedAccount
) -> None:
    send(store, worker, account, orders(account, 30))
    # The same orders again under a profile known only by $id: after the merge they are
    # duplicates of p0's, and the merge drops them.
    twins = [
        {**payload, "customer_properties": {"$id": "p0-id"}}
        for payload in orders(account, 30)
        if payload["customer_properties"]["$email"] == "p0@x.io"
    ]
    send(store, worker, account, twins)
    send(
        store,
        worker,
        account,
        [identify(account.public_key, **{"$email": "p0@x.io", "$id": "p0-id"})],
    )
    assert_rollups_answer_as_events_do(store, account)
    with store.read() as queries:
        events = queries.one("SELECT count(*) FROM events")[0]
    assert events == 30


def test_a_deletion_takes_the_profile_out_of_the_rollups(
    store: Store, worker: Worker, account: CreatedAccount
) -> None:
    send(store, worker, account, orders(account, 45))
    with store.transaction() as queries:
        profile_id = queries.one("SELECT id FROM profiles WHERE email = 'p1@x.io'")[0]
        assert queries.delete_profile(account.account_id, profile_id) == 15
    assert_rollups_answer_as_events_do(store, account)


def test_a_key_with_too_many_values_is_capped_and_read_from_the_events(
    store: Store, worker: Worker, account: CreatedAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(property_rollups, "MAX_VALUES_PER_DAY", 4)
    monkeypatch.setattr("cairn.store.property_rollups.MAX_VALUES_PER_DAY", 4)
    one_day = [
        track(
            account.public_key,
            "Ordered",
            properties={"$event_id": str(n), "Order": f"#{n}", "Brand": "Acme", "Note": "x" * n},
            time=DAY_ONE + n,
        )
        for n in range(3)
    ]
    send(store, worker, account, one_day)
    with store.read() as queries:
        capped = queries.capped_property_keys(account.account_id)
    assert capped == set()
    more = [
        track(
            account.public_key,
            "Ordered",
            properties={"$event_id": f"more-{n}", "Order": f"#{n}", "Note": "x" * 300},
            time=DAY_ONE + n,
        )
        for n in range(3, 5)
    ]
    send(store, worker, account, more)  # a fifth order id in the day; a note too long
    metric = metric_id(store)
    with store.read() as queries:
        capped = queries.capped_property_keys(account.account_id)
        assert queries.property_groups(account.account_id, metric, 0, TODAY, "Order") is None
        rows = queries.one(
            "SELECT count(*) FROM metric_daily_properties WHERE key IN ('Order', 'Note')"
        )[0]
        found = queries.metric_by_id(account.account_id, metric)
        assert found is not None
        query = check_export_params(
            {"start_date": DAY_ONE, "end_date": DAY_ONE, "by": "Order"}, TODAY
        )
        results = export_results(query, found, queries, account.account_id)
    assert capped == {(account.account_id, metric, "Order"), (account.account_id, metric, "Note")}
    assert rows == 0
    assert sorted(r["segment"] for r in results) == [f"#{n}" for n in range(5)]


def test_migration_counts_in_events_older_than_the_rollups(
    store: Store, worker: Worker, account: CreatedAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cairn.store.property_rollups._REBUILD_EVENTS", 7)  # steps of 7 events
    send(store, worker, account, orders(account, 40))
    with store.transaction() as queries:
        queries.run("DELETE FROM metric_daily_properties")
        queries.run(
            "INSERT INTO property_rollups_pending (account_id) VALUES (?)", (account.account_id,)
        )
    store.migrate()
    assert_rollups_answer_as_events_do(store, account)
    with store.read() as queries:
        assert queries.one("SELECT count(*) FROM property_rollups_pending")[0] == 0
