"""v1 metrics and timelines over HTTP."""

from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount
from cairn.api import ids
from cairn.pipeline.worker import Worker
from support.api import Rest, metric_id, person_id, seed

T0 = 1_600_000_000


def test_metrics_are_listed_page_by_page(
    client: TestClient, account: CreatedAccount, worker: Worker
) -> None:
    seed(client, account, worker, [(f"Metric {i}", "a@x.com", T0 + i, {}) for i in range(5)])
    rest = Rest(client, account)
    first = rest.get("/api/v1/metrics", count=2).json()
    last = rest.get("/api/v1/metrics", count=2, page=2).json()
    assert (first["total"], first["start"], first["end"], first["page_size"]) == (5, 0, 1, 2)
    assert [m["name"] for m in first["data"]] == ["Metric 0", "Metric 1"]
    assert [m["name"] for m in last["data"]] == ["Metric 4"]
    assert (last["start"], last["end"]) == (4, 4)
    metric = first["data"][0]
    assert metric["object"] == "metric"
    assert metric["integration"]["name"] == "API"
    assert ids.decode("metric", metric["id"]) is not None
    assert len(metric["created"]) == len("2014-11-03 20:54:40")


def test_the_timeline_pages_newest_first_with_next_tokens(
    client: TestClient, account: CreatedAccount, worker: Worker
) -> None:
    seed(
        client,
        account,
        worker,
        [("Viewed", f"p{i}@x.com", T0 + i, {"$value": i, "n": i}) for i in range(7)],
    )
    rest = Rest(client, account)
    seen: list[int] = []
    since = None
    pages = 0
    while True:
        params = {"count": 3, **({"since": since} if since else {})}
        page = rest.get("/api/v1/metrics/timeline", **params).json()
        seen += [event["event_properties"]["n"] for event in page["data"]]
        pages += 1
        since = page["next"]
        if not since:
            break
    assert seen == [6, 5, 4, 3, 2, 1, 0]
    assert pages == 3
    event = rest.get("/api/v1/metrics/timeline", count=1).json()["data"][0]
    assert event["timestamp"] == T0 + 6
    assert event["datetime"] == "2020-09-13 12:26:46+00:00"
    assert event["event_name"] == "Viewed"
    assert event["person"]["$email"] == "p6@x.com"
    assert event["uuid"] == event["id"]


def test_ascending_from_a_time_and_one_metric_only(
    client: TestClient, account: CreatedAccount, worker: Worker
) -> None:
    seed(
        client,
        account,
        worker,
        [("A", "a@x.com", T0 + i, {"i": i}) for i in range(4)]
        + [("B", "b@x.com", T0 + 10 + i, {"i": i}) for i in range(2)],
    )
    rest = Rest(client, account)
    ascending = rest.get("/api/v1/metrics/timeline", since=T0 + 2, sort="asc").json()
    assert [e["timestamp"] for e in ascending["data"]] == [T0 + 2, T0 + 3, T0 + 10, T0 + 11]
    assert ascending["next"] is None
    only_b = rest.get(f"/api/v1/metric/{metric_id(rest, 'B')}/timeline").json()
    assert [e["event_name"] for e in only_b["data"]] == ["B", "B"]
    assert only_b["data"][0]["statistic_id"] == metric_id(rest, "B")
    person_b = person_id(rest, "b@x.com")
    assert {e["person"]["id"] for e in only_b["data"]} == {person_b}


def test_an_unknown_metric_is_404(client: TestClient, account: CreatedAccount) -> None:
    rest = Rest(client, account)
    for metric in ("nope", ids.encode("metric", 999), ids.encode("list", 1)):
        response = rest.get(f"/api/v1/metric/{metric}/timeline")
        assert response.status_code == 404
        assert response.json() == {"status": 404, "message": "Metric does not exist."}
