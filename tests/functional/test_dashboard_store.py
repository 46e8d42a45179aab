"""The dashboard's store queries on a real SQLite store, fed through the real pipeline."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount, do_create_account
from cairn.dashboard.buckets import DateRange
from cairn.dashboard.export import ExportQuery, rest_export
from cairn.pipeline.worker import Worker
from cairn.store import Store, open_store
from cairn.store.dashboard import DashboardQueries
from support.payloads import b64, track

DAY = 86400
JAN_1 = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
JANUARY = DateRange(date(2024, 1, 1), date(2024, 1, 31))


def send(client: TestClient, account: CreatedAccount, **fields: object) -> None:
    payload = track(account.public_key, **fields)  # type: ignore[arg-type]
    assert client.get("/api/track", params={"data": b64(payload)}).text == "1"


@pytest.fixture
def orders(client: TestClient, store: Store, account: CreatedAccount, worker: Worker) -> int:
    """Five Placed Order events over three days and two profiles; returns the metric id."""
    sent = [
        ("a@example.com", JAN_1 + 10, 10, "Boots"),
        ("a@example.com", JAN_1 + 20, 5, "Hats"),
        ("b@example.com", JAN_1 + 30, 1.5, "Boots"),
        ("b@example.com", JAN_1 + DAY + 5, 2, "Boots"),
        ("a@example.com", JAN_1 + 9 * DAY, 100, "Socks"),
    ]
    for email, at, value, brand in sent:
        send(
            client,
            account,
            email=email,
            time=at,
            properties={"$value": value, "Brand": brand},
        )
    send(client, account, event="Viewed Product", email="c@example.com", time=JAN_1 + 50)
    worker.drain()
    with store.read() as queries:
        return queries.metrics_of(account.account_id)["Placed Order"]


def export(store: Store, account: CreatedAccount, query: ExportQuery) -> dict[str, list[float]]:
    with store.read() as queries:
        result = rest_export(queries, account.account_id, query)
    return {series.segment: series.values for series in result.series}


def test_export_counts_sums_and_uniques_per_day(
    store: Store, account: CreatedAccount, orders: int
) -> None:
    count = export(store, account, ExportQuery(orders, JANUARY, "day", "count"))["Placed Order"]
    assert len(count) == 31
    assert count[:3] == [3, 1, 0] and count[9] == 1 and sum(count) == 5
    value = export(store, account, ExportQuery(orders, JANUARY, "day", "value"))["Placed Order"]
    assert value[0] == 16.5 and sum(value) == 118.5
    unique = export(store, account, ExportQuery(orders, JANUARY, "week", "unique"))["Placed Order"]
    assert unique == [2, 1, 0, 0, 0]  # weeks of Jan 1, 8, 15, 22, 29


def test_export_splits_by_an_event_property(
    store: Store, account: CreatedAccount, orders: int
) -> None:
    split = export(store, account, ExportQuery(orders, JANUARY, "month", "count", "Brand", 2))
    assert split == {"Boots": [3], "Hats": [1]}
    value = export(store, account, ExportQuery(orders, JANUARY, "month", "value", "Brand", 5))
    assert value == {"Socks": [100], "Boots": [13.5], "Hats": [5]}


def test_export_sees_only_its_own_account(store: Store, orders: int) -> None:
    other = do_create_account(store, "Other shop")
    with pytest.raises(LookupError):
        export(store, other, ExportQuery(orders, JANUARY, "month", "count"))


def test_search_by_email_prefix_and_id(store: Store, account: CreatedAccount, orders: int) -> None:
    with store.read() as queries:
        dashboard = DashboardQueries(queries)
        found = dashboard.search_profiles(account.account_id, "A@EXAMPLE", 10)
        assert [p.identifiers.get("email") for p in found] == ["a@example.com"]
        profile_id = found[0].id
        by_id = dashboard.search_profiles(account.account_id, str(profile_id), 10)
        assert by_id[0].id == profile_id


def test_health_counts_received_events_and_rejections(
    client: TestClient, store: Store, account: CreatedAccount, worker: Worker
) -> None:
    send(client, account, email="a@example.com")
    payload = track(account.public_key)
    payload["customer_properties"] = {}
    assert client.get("/api/track", params={"data": b64(payload)}).text == "1"
    worker.drain()
    since = time.time() - 3600
    with store.read() as queries:
        dashboard = DashboardQueries(queries)
        received = dashboard.received_lags(account.account_id, since)
        assert len(received) == 1 and received[0][2] == 1
        assert since <= received[0][0] <= time.time() and 0 <= received[0][1] < 60_000
        assert dashboard.latest_lag(account.account_id) is not None
        reasons = dashboard.rejection_reasons(account.account_id)
        assert [reason for reason, _ in reasons] == [
            "no identifier ($email, $phone_number, $id or $exchange_id)"
        ]
        assert len(dashboard.rejections(account.account_id, reasons[0][0], "track", None, 10)) == 1
        assert dashboard.rejections(account.account_id, reasons[0][0], "identify", None, 10) == []
        assert sum(c for _, c in dashboard.rejected_per_minute(account.account_id, since)) == 1


PLANNED = [
    ("received_lags", (1, 0.0)),
    ("latest_lag", (1,)),
    ("rejected_per_minute", (1, 0.0)),
    ("rejection_reasons", (1,)),
    ("rejections", (1, "x", "track", 5, 10)),
    ("merges", (1, 1)),
    ("list_joins", (1, 1)),
    ("lists_of_profile", (1, 1)),
    ("search_profiles", (1, "ab", 10)),
    ("search_profiles", (1, "123", 10)),
    ("recent_event_properties", (1, 1, 10)),
]


class PlanRecorder:
    """Runs EXPLAIN QUERY PLAN instead of each statement and keeps the plans."""

    def __init__(self, queries: object) -> None:
        self.inner = queries
        self.plans: list[str] = []

    def _plan(self, statement: str, params: object = ()) -> list[object]:
        rows = self.inner.all("EXPLAIN QUERY PLAN " + statement, params)  # type: ignore[attr-defined]
        self.plans.append(" | ".join(str(row[-1]) for row in rows))
        return []

    def one(self, statement: str, params: object = ()) -> None:
        self._plan(statement, params)

    def all(self, statement: str, params: object = ()) -> list[object]:
        return self._plan(statement, params)


@pytest.mark.parametrize(("method", "args"), PLANNED)
def test_dashboard_reads_go_through_indexes(
    tmp_path: Path, method: str, args: tuple[object, ...]
) -> None:
    """No page query scans a whole table: each starts from an index on account_id (SQLite's
    plans; PostgreSQL's depend on its statistics)."""
    store = open_store(f"sqlite:///{tmp_path / 'plans.db'}")
    store.migrate()
    with store.read() as queries:
        recorder = PlanRecorder(queries)
        getattr(DashboardQueries(recorder), method)(*args)  # type: ignore[arg-type]
    store.close()
    assert recorder.plans
    for plan in recorder.plans:
        assert "SEARCH" in plan, plan
        assert not [step for step in plan.split(" | ") if step.startswith("SCAN")], plan
