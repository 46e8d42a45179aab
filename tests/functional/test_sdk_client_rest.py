"""The SDK's REST resources against a real server: typed results and pagination walks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from cairn.sdk import ApiError, AsyncClient, Client, Event
from support.live import LiveServer
from support.observe import settled, store_of

pytest.importorskip("cairn.api.routes", reason="the REST API has not landed")

DAY = 86_400
START = 1_700_006_400  # 2023-11-15 00:00:00 UTC
EVENTS = [  # (metric, email, time, value)
    ("Placed Order", "ann@example.com", START + 10, 10),
    ("Viewed Product", "ann@example.com", START + 20, None),
    ("Placed Order", "bob@example.com", START + DAY + 30, 25),
    ("Added to Cart", "bob@example.com", START + DAY + 40, None),
    ("Placed Order", "cy@example.com", START + 2 * DAY + 50, 5),
    ("Started Checkout", "cy@example.com", START + 2 * DAY + 60, None),
    ("Viewed Product", "dee@example.com", START + 2 * DAY + 70, None),
]


@pytest.fixture
def cairn(live_server: LiveServer) -> Iterator[Client]:
    with Client(live_server.public_key, live_server.private_key, live_server.base_url) as client:
        for metric, email, time, value in EVENTS:
            properties = {"$value": value} if value is not None else {}
            assert client.track(metric, email=email, properties=properties, time=time).accepted
        with store_of(live_server) as store:
            settled(store, events=len(EVENTS))
        yield client


def test_metrics_page_and_every_page(cairn: Client) -> None:
    page = cairn.metrics(page=0, count=3)
    assert (page.total, len(page.items), page.has_next) == (4, 3, True)
    names = [metric.name for metric in cairn.iter_metrics(count=3)]  # two pages
    assert sorted(names) == ["Added to Cart", "Placed Order", "Started Checkout", "Viewed Product"]


def test_timeline_follows_next_across_pages(cairn: Client) -> None:
    events = list(cairn.iter_timeline(count=2))  # four pages
    assert [e.timestamp for e in events] == sorted((t for *_, t, _ in EVENTS), reverse=True)
    assert all(isinstance(e, Event) and e.person is not None for e in events)
    order_id = next(m.id for m in cairn.iter_metrics() if m.name == "Placed Order")
    orders = list(cairn.iter_timeline(order_id, count=1))
    assert [(e.event_name, e.person.email if e.person else None) for e in orders] == [
        ("Placed Order", "cy@example.com"),
        ("Placed Order", "bob@example.com"),
        ("Placed Order", "ann@example.com"),
    ]


def test_metric_export_counts_and_sums_per_day(cairn: Client) -> None:
    order_id = next(m.id for m in cairn.iter_metrics() if m.name == "Placed Order")
    counted = cairn.metric_export(order_id, start_date="2023-11-15", end_date="2023-11-18")
    assert counted.metric.name == "Placed Order"
    (series,) = counted.results
    assert [point.values[0] for point in series.data] == [1.0, 1.0, 1.0, 0.0]
    summed = cairn.metric_export(
        order_id, start_date="2023-11-15", end_date="2023-11-17", measurement="value"
    )
    assert [point.values[0] for point in summed.results[0].data] == [10.0, 25.0, 5.0]


def test_person_search_update_and_timeline(cairn: Client) -> None:
    person_id = cairn.search("ann@example.com")
    assert person_id is not None
    assert cairn.search("nobody@example.com") is None
    person = cairn.person(person_id)
    assert person.email == "ann@example.com"
    updated = cairn.update_person(person_id, {"$first_name": "Ann", "Plan": "gold"})
    assert (updated.properties["$first_name"], updated.properties["Plan"]) == ("Ann", "gold")
    assert "Plan" not in cairn.update_person(person_id, {}, unset=["Plan"]).properties
    timeline = list(cairn.iter_person_timeline(person_id, count=1))
    assert [e.event_name for e in timeline] == ["Viewed Product", "Placed Order"]


def test_lists_members_and_marker_pages(cairn: Client) -> None:
    list_id = cairn.create_list("Newsletter")
    assert [(info.id, info.name) for info in cairn.lists()] == [(list_id, "Newsletter")]
    cairn.rename_list(list_id, "Weekly")
    assert cairn.get_list(list_id).name == "Weekly"
    emails = [f"m{i:04d}@example.com" for i in range(1005)]
    for start in range(0, len(emails), 100):
        added = cairn.add_members(list_id, [{"email": e} for e in emails[start : start + 100]])
        assert len(added) == len(emails[start : start + 100])
    members = list(cairn.iter_group_members(list_id))  # two marker pages of up to 1000
    assert sorted(m.email for m in members if m.email) == emails
    found = cairn.check_members(list_id, ["m0001@example.com", "stranger@example.com"])
    assert [m.email for m in found] == ["m0001@example.com"]
    in_segment = cairn.segment_members(list_id, ["m0002@example.com", "x@example.com"])
    assert [m.email for m in in_segment] == ["m0002@example.com"]
    cairn.remove_members(list_id, ["m0001@example.com"], unsubscribe=True)
    assert cairn.check_members(list_id, ["m0001@example.com"]) == []
    excluded = list(cairn.iter_list_exclusions(list_id))
    assert [e.email for e in excluded] == ["m0001@example.com"]
    cairn.delete_list(list_id)
    with pytest.raises(ApiError) as missing:
        cairn.get_list(list_id)
    assert missing.value.status == 404


def test_global_exclusions_and_deletion(cairn: Client) -> None:
    cairn.add_exclusion("ann@example.com")
    assert [e.email for e in cairn.iter_exclusions()] == ["ann@example.com"]
    assert "deletion" in cairn.request_deletion(email="bob@example.com")
    assert cairn.search("bob@example.com") is None


def test_a_bad_key_is_an_api_error_with_the_servers_message(live_server: LiveServer) -> None:
    with (
        Client(private_key="pk_wrong", base_url=live_server.base_url) as client,
        pytest.raises(ApiError) as refused,
    ):
        client.metrics()
    assert refused.value.status == 403
    assert "key" in refused.value.message.lower()


def test_async_client_walks_pages_too(cairn: Client, live_server: LiveServer) -> None:
    async def walk() -> tuple[list[str], list[int]]:
        async with AsyncClient(
            private_key=live_server.private_key, base_url=live_server.base_url
        ) as client:
            names = [m.name async for m in client.iter_metrics(count=1)]
            times = [e.timestamp async for e in client.iter_timeline(count=3)]
            return names, times

    names, times = asyncio.run(walk())
    assert len(names) == 4
    assert times == sorted((t for *_, t, _ in EVENTS), reverse=True)
