"""`group_events`, what exports with `where`/`by` read: events grouped in SQL by day and the
JSON values of the properties they look at, on both backends, with every JSON type kept."""

from __future__ import annotations

from typing import Any

from cairn.accounts.actions import CreatedAccount
from cairn.pipeline.worker import Worker
from cairn.store import Store
from cairn.store.records import EventGroup
from support.inbox import append_all, as_ingested
from support.payloads import track

DAY = 86400
DAY_ONE = 20_000 * DAY  # 2024-10-04, a day the rules accept
VALUES: list[Any] = [
    "Acme",
    'Ünïcode "quoted"',
    1,
    1.0,
    2.5,
    True,
    False,
    None,
    [1, "x"],
    {"nested": {"a": 1}},
    1e20,
]


def load(store: Store, worker: Worker, account: CreatedAccount) -> int:
    """Two events (two people, $value 10 each) for every value of `VALUES` under odd keys, on
    day one; one more for the first value on day two. Returns the metric id."""
    payloads = []
    for n, value in enumerate(VALUES):
        for person in ("a@x.io", "b@x.io"):
            properties = {
                "$event_id": f"{n}-{person}",
                "$value": 10,
                "Brand.name": value,
                "$source": n,
                'say "hi"': value,
            }
            payloads.append(
                track(account.public_key, "Bought", person, properties=properties, time=DAY_ONE)
            )
    payloads.append(
        track(
            account.public_key,
            "Bought",
            "a@x.io",
            properties={"$event_id": "late", "Brand.name": "Acme", "$value": 1.5},
            time=DAY_ONE + DAY + 5,
        )
    )
    append_all(store, [as_ingested(account.account_id, payload) for payload in payloads])
    worker.drain()
    with store.read() as queries:
        return int(queries.one("SELECT id FROM metrics WHERE name = 'Bought'")[0])


def grouped(
    store: Store, account: CreatedAccount, metric_id: int, keys: list[str], per_profile: bool
) -> list[EventGroup]:
    with store.read() as queries:
        groups = queries.group_events(
            account.account_id, metric_id, DAY_ONE, DAY_ONE + 2 * DAY, keys, per_profile
        )
    return sorted(groups, key=lambda g: (g.day, g.profile_id, repr(g.properties)))


def test_groups_keep_each_json_value_as_it_was_sent(
    store: Store, worker: Worker, account: CreatedAccount
) -> None:
    metric_id = load(store, worker, account)
    groups = grouped(store, account, metric_id, ["Brand.name", "missing"], per_profile=False)
    day_one = [g for g in groups if g.day == DAY_ONE // DAY]
    assert all(g.count == 2 and g.value_sum == 20.0 for g in day_one)
    seen = [g.properties["Brand.name"] for g in day_one]
    # Every value comes back with its JSON type: 1 and 1.0 and true stay three groups.
    assert sorted(map(repr, seen)) == sorted(map(repr, VALUES))
    assert all(set(g.properties) == {"Brand.name"} for g in groups)  # absent keys are left out
    late = [g for g in groups if g.day == DAY_ONE // DAY + 1]
    assert late == [EventGroup(DAY_ONE // DAY + 1, 0, 1, 1.5, {"Brand.name": "Acme"})]


def test_per_profile_groups_and_keys_sql_cannot_name(
    store: Store, worker: Worker, account: CreatedAccount
) -> None:
    metric_id = load(store, worker, account)
    keys = ['say "hi"', "$source"]  # a double quote: SQLite's path syntax cannot name it
    groups = grouped(store, account, metric_id, keys, per_profile=True)
    day_one = [g for g in groups if g.day == DAY_ONE // DAY]
    assert len(day_one) == 2 * len(VALUES)
    assert len({g.profile_id for g in day_one}) == 2
    assert all(g.count == 1 and g.value_sum == 10.0 for g in day_one)
    assert sorted(g.properties["$source"] for g in day_one) == sorted(
        n for n in range(len(VALUES)) for _ in range(2)
    )
    assert [g.properties for g in groups if g.day != DAY_ONE // DAY] == [{}]
