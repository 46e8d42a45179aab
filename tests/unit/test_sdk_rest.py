"""Requests and parsers of the REST resources, on the wire shapes of the legacy spec."""

from typing import Any

import pytest

from cairn.sdk import rest
from cairn.sdk.models import Metric


def params(request: rest.Request) -> dict[str, str]:
    return dict(request.params)


METRICS_PAGE: dict[str, Any] = {
    "object": "$list",
    "page": 0,
    "start": 0,
    "end": 0,
    "page_size": 50,
    "total": 1,
    "data": [
        {
            "object": "metric",
            "id": "8qYK7L",
            "name": "Added integration",
            "created": "2014-11-03 20:54:40",
            "updated": "2014-11-03 20:54:40",
            "integration": {
                "object": "integration",
                "id": "4qYGmQ",
                "name": "API",
                "category": "API",
            },
        }
    ],
}


def test_metrics_page_is_parsed() -> None:
    page = rest.metrics(0, 50).parse(METRICS_PAGE)
    assert page.items == [
        Metric(
            "8qYK7L",
            "Added integration",
            "2014-11-03 20:54:40",
            "2014-11-03 20:54:40",
            METRICS_PAGE["data"][0]["integration"],
        )
    ]
    assert not page.has_next


def test_page_walk_stops_when_end_reaches_total() -> None:
    first = rest.all_metrics(count=2).first
    body = {"page": 0, "start": 0, "end": 1, "total": 3, "data": [{"id": 1}, {"id": 2}]}
    following = rest.next_page(first, body)
    assert following is not None and params(following)["page"] == "1"
    assert params(following)["count"] == "2"
    last = {"page": 1, "start": 2, "end": 2, "total": 3, "data": [{"id": 3}]}
    assert rest.next_page(following, last) is None


def test_timeline_walk_follows_next_until_it_is_empty() -> None:
    paged = rest.timeline("4Q8Y6N", count=10)
    assert paged.first.path == "/api/v1/metric/4Q8Y6N/timeline"
    following = paged.next(paged.first, {"data": [], "next": "1400656845-ABCDEFG"})
    assert following is not None and params(following)["since"] == "1400656845-ABCDEFG"
    assert paged.next(following, {"data": [], "next": None}) is None


def test_timeline_paths() -> None:
    assert rest.timeline().first.path == "/api/v1/metrics/timeline"
    assert rest.timeline(person_id="p1").first.path == "/api/v1/person/p1/metrics/timeline"
    assert rest.timeline("m1", person_id="p1").first.path == "/api/v1/person/p1/metric/m1/timeline"


def test_timeline_event_is_parsed() -> None:
    body = {
        "object": "$list",
        "count": 1,
        "next": None,
        "data": [
            {
                "object": "event",
                "id": "3EJ9cW",
                "uuid": "U",
                "statistic_id": "4Q8Y6N",
                "event_name": "Placed Order",
                "timestamp": 1400656845,
                "datetime": "2014-05-21 07:20:45+00:00",
                "event_properties": {"$value": 35},
                "person": {"object": "person", "id": "5ta2Hr", "$email": "george@example.com"},
            }
        ],
    }
    (event,) = rest.timeline().items(body)
    assert (event.id, event.metric_id, event.timestamp) == ("3EJ9cW", "4Q8Y6N", 1400656845)
    assert event.properties == {"$value": 35}
    assert event.person is not None and event.person.email == "george@example.com"


def test_marker_walk_stops_when_the_marker_is_gone() -> None:
    paged = rest.group_members("L1")
    body = {"records": [{"id": "p1", "email": "x@y.com"}], "marker": 123456}
    assert [m.email for m in paged.items(body)] == ["x@y.com"]
    following = paged.next(paged.first, body)
    assert following is not None and params(following) == {"marker": "123456"}
    assert paged.next(following, {"records": []}) is None


def test_export_parameters_and_result() -> None:
    call = rest.metric_export(
        "M1",
        start_date="2021-01-13",
        end_date="2021-01-31",
        measurement=["sum", "ItemCount"],
        where=[["$attributed_flow", "=", "F1"]],
    )
    sent = params(call.request)
    assert sent["measurement"] == '["sum", "ItemCount"]'
    assert sent["where"] == '[["$attributed_flow", "=", "F1"]]'
    assert "by" not in sent
    export = call.parse(
        {
            "metric": {"object": "metric", "id": "M1", "name": "Placed Order"},
            "results": [
                {
                    "segment": "Placed Order",
                    "data": [{"date": "2021-01-13 00:00:00", "values": [12.0]}],
                }
            ],
        }
    )
    assert export.metric.name == "Placed Order"
    assert export.results[0].data[0].values == [12.0]


def test_update_person_sends_properties_as_parameters() -> None:
    call = rest.update_person("p1", {"$first_name": "John", "Age": 40}, unset=["Plan"])
    assert call.request.method == "PUT"
    assert params(call.request) == {"$first_name": "John", "Age": "40", "$unset": '["Plan"]'}


def test_v2_list_shapes() -> None:
    assert rest.create_list("News").parse({"list_id": "AbC123"}) == "AbC123"
    (info,) = rest.lists().parse([{"list_id": "AbC123", "list_name": "Newsletter"}])
    assert (info.id, info.name) == ("AbC123", "Newsletter")
    assert rest.get_list("AbC123").parse({"list_name": "Newsletter"}).id == "AbC123"
    assert rest.check_members("L", ["a@x.com", "b@x.com"]).request.params == (
        ("emails", "a@x.com"),
        ("emails", "b@x.com"),
    )


def test_search_answers_none_when_not_found() -> None:
    call = rest.search("a@x.com")
    assert call.allow_missing and call.missing is None
    assert call.parse({"id": "p1"}) == "p1"


def test_deletion_needs_exactly_one_identifier() -> None:
    assert rest.request_deletion(email="a@x.com").request.json == {"email": "a@x.com"}
    with pytest.raises(ValueError):
        rest.request_deletion(email="a@x.com", person_id="p1")
    with pytest.raises(ValueError):
        rest.request_deletion()


def test_only_list_creation_is_unsafe_to_repeat() -> None:
    assert not rest.create_list("x").request.idempotent
    assert rest.send_payload("track", "{}").request.idempotent
