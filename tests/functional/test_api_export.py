"""v1 metric export over HTTP: rollup-served measurements and event-scanning filters."""

from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount
from cairn.pipeline.worker import Worker
from support.api import Rest, identify, metric_id, person_id, seed
from support.payloads import b64


def at(text: str) -> int:
    """Unix seconds of a UTC "YYYY-MM-DD HH:MM:SS"."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


ORDERS = [
    (
        "Placed Order",
        "ann@x.com",
        at("2021-01-30 23:59:59"),
        {"$value": 10, "Brand": "Acme", "Items": 1},
    ),
    (
        "Placed Order",
        "ann@x.com",
        at("2021-01-31 00:00:00"),
        {"$value": 20, "Brand": "Acme", "Items": 2},
    ),
    (
        "Placed Order",
        "bob@x.com",
        at("2021-01-31 12:00:00"),
        {"$value": 5.5, "Brand": "Zed", "Items": 3},
    ),
    ("Placed Order", "ann@x.com", at("2021-02-01 00:00:01"), {"$value": 1, "Items": 4}),
    ("Viewed", "ann@x.com", at("2021-01-31 10:00:00"), {}),
]


@pytest.fixture
def rest(client: TestClient, account: CreatedAccount, worker: Worker) -> Rest:
    seed(client, account, worker, ORDERS)
    return Rest(client, account)


def export(rest: Rest, **params: Any) -> dict[str, Any]:
    response = rest.get(f"/api/v1/metric/{metric_id(rest, 'Placed Order')}/export", **params)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def values(result: dict[str, Any], segment: int = 0) -> list[float]:
    return [point["values"][0] for point in result["results"][segment]["data"]]


def dates(result: dict[str, Any]) -> list[str]:
    return [point["date"][:10] for point in result["results"][0]["data"]]


RANGE = {"start_date": "2021-01-29", "end_date": "2021-02-02"}


def test_counts_per_utc_day_with_zeros_across_the_month_boundary(rest: Rest) -> None:
    result = export(rest, **RANGE)
    assert dates(result) == ["2021-01-29", "2021-01-30", "2021-01-31", "2021-02-01", "2021-02-02"]
    assert values(result) == [0, 1, 2, 1, 0]
    assert result["results"][0]["segment"] == "Placed Order"
    assert result["metric"]["name"] == "Placed Order"
    assert (result["start_date"], result["end_date"]) == (
        "2021-01-29 00:00:00",
        "2021-02-02 00:00:00",
    )
    assert (result["unit"], result["measurement"], result["by"], result["where"]) == (
        "day",
        "count",
        None,
        None,
    )


def test_value_and_sum_add_up_dollar_value(rest: Rest) -> None:
    assert values(export(rest, measurement="value", **RANGE)) == [0, 10, 25.5, 1, 0]
    assert values(export(rest, measurement="sum", **RANGE)) == [0, 10, 25.5, 1, 0]


def test_unique_counts_each_person_once_per_period(rest: Rest) -> None:
    assert values(export(rest, measurement="unique", **RANGE)) == [0, 1, 2, 1, 0]
    monthly = export(rest, measurement="unique", unit="month", **RANGE)
    assert dates(monthly) == ["2021-01-29", "2021-02-01"]
    assert values(monthly) == [2, 1]
    weekly = export(rest, measurement="unique", unit="week", **RANGE)
    assert dates(weekly) == ["2021-01-29", "2021-02-01"]  # 2021-02-01 is a Monday
    assert values(weekly) == [2, 1]


def test_month_unit_splits_counts_at_the_month(rest: Rest) -> None:
    assert values(export(rest, unit="month", **RANGE)) == [3, 1]


def test_unix_timestamps_work_as_dates(rest: Rest) -> None:
    result = export(rest, start_date=str(at("2021-01-31 15:00:00")), end_date="2021-01-31")
    assert dates(result) == ["2021-01-31"]
    assert values(result) == [2]


def test_sum_of_a_property(rest: Rest) -> None:
    result = export(rest, measurement='["sum","Items"]', **RANGE)
    assert result["measurement"] == ["sum", "Items"]
    assert values(result) == [0, 1, 5, 4, 0]


def test_where_filters_on_an_event_property(rest: Rest) -> None:
    result = export(rest, where='[["Brand","=","Acme"]]', measurement="value", **RANGE)
    assert result["where"] == [["Brand", "=", "Acme"]]
    assert values(result) == [0, 10, 20, 0, 0]


def test_by_makes_one_segment_per_value(rest: Rest) -> None:
    result = export(rest, by="Brand", **RANGE)
    assert [r["segment"] for r in result["results"]] == ["Acme", "Zed"]
    assert values(result, 0) == [0, 1, 1, 0, 0]
    assert values(result, 1) == [0, 0, 1, 0, 0]
    assert len(export(rest, by="Brand", count="1", **RANGE)["results"]) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"where": '[["Brand","=","Acme"]]', "by": "Brand"},
        {"start_date": "2021-01-01"},
        {"start_date": "2021-01-01", "end_date": "2021-03-01"},
        {"unit": "hour"},
        {"measurement": "mean"},
        {"where": "[[1,2]]"},
        {"count": "5000"},
    ],
)
def test_bad_export_parameters_are_400(rest: Rest, params: dict[str, str]) -> None:
    response = rest.get(f"/api/v1/metric/{metric_id(rest, 'Placed Order')}/export", **params)
    assert response.status_code == 400
    assert response.json()["status"] == 400
    assert response.json()["message"]


def test_default_range_is_the_last_month(rest: Rest) -> None:
    result = export(rest)
    assert len(result["results"][0]["data"]) == 31


def test_rollups_follow_a_merge_and_a_deletion(
    rest: Rest, client: TestClient, account: CreatedAccount, worker: Worker
) -> None:
    # A phone-only profile repeats ann's 2021-01-31 00:00:00 order (same second, so the same
    # dedupe id) and adds a view; then one call names both identifiers and the profiles merge.
    phone_order = {
        "token": account.public_key,
        "event": "Placed Order",
        "customer_properties": {"$phone_number": "+15550001"},
        "properties": {"$value": 7},
        "time": at("2021-01-31 00:00:00"),
    }
    assert client.get("/api/track", params={"data": b64(phone_order)}).text == "1"
    worker.drain()
    assert values(export(rest, **RANGE)) == [0, 1, 3, 1, 0]
    assert values(export(rest, measurement="unique", unit="month", **RANGE)) == [3, 1]
    identify(client, account, **{"$email": "ann@x.com", "$phone_number": "+15550001"})
    worker.drain()
    assert values(export(rest, **RANGE)) == [0, 1, 2, 1, 0]
    assert values(export(rest, measurement="value", **RANGE)) == [0, 10, 25.5, 1, 0]
    assert values(export(rest, measurement="unique", unit="month", **RANGE)) == [2, 1]
    assert values(export(rest, measurement="unique", **RANGE)) == [0, 1, 2, 1, 0]

    ann = person_id(rest, "ann@x.com")
    deletion = rest.v2("POST", "/api/v2/data-privacy/deletion-request", {"person_id": ann})
    assert deletion.status_code == 200
    assert values(export(rest, **RANGE)) == [0, 0, 1, 0, 0]
    assert values(export(rest, measurement="value", **RANGE)) == [0, 0, 5.5, 0, 0]
    assert values(export(rest, measurement="unique", **RANGE)) == [0, 0, 1, 0, 0]
