"""Segments over REST: CRUD, and the group member routes serving segments and lists."""

from typing import Any

import orjson
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount
from cairn.api import ids
from cairn.api.lists import GROUP_PAGE_SIZE
from cairn.pipeline.worker import Worker
from support.api import Rest, identify


def test_segment_members_check_emails_against_a_list_group(
    client: TestClient, account: CreatedAccount
) -> None:
    rest = Rest(client, account)
    list_id = rest.v2("POST", "/api/v2/lists", {"list_name": "Group"}).json()["list_id"]
    rest.v2(
        "POST",
        f"/api/v2/list/{list_id}/members",
        {"profiles": [{"email": "a@x.com"}, {"email": "b@x.com"}]},
    )
    found = rest.get(f"/api/v1/segment/{list_id}/members", email="a@x.com,zed@x.com").json()
    assert [(m["email"], len(m["id"])) for m in found] == [("a@x.com", 7)]
    everyone = rest.get(f"/api/v1/segment/{list_id}/members").json()
    assert everyone["total"] == 2
    assert [m["email"] for m in everyone["data"]] == ["a@x.com", "b@x.com"]
    assert everyone["data"][0]["object"] == "membership"
    assert everyone["data"][0]["person"]["object"] == "person"


def test_unknown_group_ids_answer_404(client: TestClient, account: CreatedAccount) -> None:
    rest = Rest(client, account)
    for group in (ids.encode("segment", 1), ids.encode("list", 1), ids.encode("metric", 1)):
        response = rest.get(f"/api/v1/segment/{group}/members", email="a@x.com")
        assert response.status_code == 404
        assert response.json()["message"] == "List or segment does not exist."
        v2 = rest.v2("GET", f"/api/v2/group/{group}/members/all")
        assert v2.status_code == 404
        assert v2.json()["detail"] == "List or segment does not exist."


def test_more_than_100_emails_is_400(client: TestClient, account: CreatedAccount) -> None:
    rest = Rest(client, account)
    list_id = rest.v2("POST", "/api/v2/lists", {"list_name": "Group"}).json()["list_id"]
    emails = ",".join(f"p{i}@x.com" for i in range(101))
    response = rest.get(f"/api/v1/segment/{list_id}/members", email=emails)
    assert response.status_code == 400


GOLD = {"type": "property", "property": "Plan", "op": "equals", "value": "Gold"}


def create_segment(rest: Rest, name: str, definition: dict[str, Any]) -> str:
    response = rest.v2("POST", "/api/v2/segments", {"segment_name": name, "definition": definition})
    assert response.status_code == 200, response.text
    return str(response.json()["segment_id"])


def test_segment_crud(client: TestClient, account: CreatedAccount, worker: Worker) -> None:
    rest = Rest(client, account)
    created = rest.v2("POST", "/api/v2/segments", {"segment_name": "Gold", "definition": GOLD})
    assert created.status_code == 200
    segment_id = created.json()["segment_id"]
    assert ids.decode("segment", segment_id) is not None
    assert rest.v2("GET", "/api/v2/segments").json() == [
        {"segment_id": segment_id, "segment_name": "Gold"}
    ]
    got = rest.v2("GET", f"/api/v2/segment/{segment_id}").json()
    assert got["definition"] == GOLD and got["member_count"] == 0 and got["built"] is False
    worker.maintain()  # the worker builds it
    assert rest.v2("GET", f"/api/v2/segment/{segment_id}").json()["built"] is True

    silver = {**GOLD, "value": "Silver"}
    renamed = rest.v2(
        "PUT", f"/api/v2/segment/{segment_id}", {"segment_name": "Silver", "definition": silver}
    )
    assert (renamed.status_code, renamed.text) == (200, "")
    got = rest.v2("GET", f"/api/v2/segment/{segment_id}").json()
    assert (got["segment_name"], got["definition"], got["built"]) == ("Silver", silver, False)

    assert rest.v2("DELETE", f"/api/v2/segment/{segment_id}").status_code == 200
    assert rest.v2("GET", f"/api/v2/segment/{segment_id}").status_code == 404
    assert rest.v2("DELETE", f"/api/v2/segment/{segment_id}").status_code == 404


def test_definitions_are_checked_with_a_clear_message(
    client: TestClient, account: CreatedAccount
) -> None:
    rest = Rest(client, account)
    bad = {"type": "property", "property": "Plan", "op": "greater", "value": "ten"}
    response = rest.v2("POST", "/api/v2/segments", {"segment_name": "X", "definition": bad})
    assert response.status_code == 400
    assert response.json()["detail"] == "definition.value: must be a number"
    response = rest.v2("POST", "/api/v2/segments", {"segment_name": "X"})
    assert (response.status_code, response.json()["detail"]) == (400, "definition is required")
    response = rest.v2("POST", "/api/v2/segments", {"segment_name": " ", "definition": GOLD})
    assert response.status_code == 400
    # Form callers send the definition as JSON text.
    form = client.post(
        "/api/v2/segments",
        data={"api_key": account.private_key, "segment_name": "F", "definition": "{not json"},
    )
    assert (form.status_code, form.json()["detail"]) == (400, "definition must be JSON")
    form = client.post(
        "/api/v2/segments",
        data={
            "api_key": account.private_key,
            "segment_name": "F",
            "definition": orjson.dumps(GOLD).decode(),
        },
    )
    assert form.status_code == 200
    empty_put = rest.v2("PUT", f"/api/v2/segment/{form.json()['segment_id']}", {})
    assert empty_put.status_code == 400


def test_member_routes_serve_segments(
    client: TestClient, account: CreatedAccount, worker: Worker
) -> None:
    rest = Rest(client, account)
    segment_id = create_segment(rest, "Gold", GOLD)
    for n in range(3):
        identify(client, account, **{"$email": f"p{n}@x.com", "Plan": "Gold" if n else "Free"})
    worker.drain()
    found = rest.get(f"/api/v1/segment/{segment_id}/members", email="p0@x.com,p1@x.com").json()
    assert [m["email"] for m in found] == ["p1@x.com"]
    everyone = rest.get(f"/api/v1/segment/{segment_id}/members").json()
    assert everyone["total"] == 2
    assert sorted(m["email"] for m in everyone["data"]) == ["p1@x.com", "p2@x.com"]
    page = rest.v2("GET", f"/api/v2/group/{segment_id}/members/all").json()
    assert sorted(r["email"] for r in page["records"]) == ["p1@x.com", "p2@x.com"]
    assert "marker" not in page
    v1 = rest.get("/api/v1/lists").json()
    assert [(g["name"], g["list_type"], g["person_count"]) for g in v1["data"]] == [
        ("Gold", "segment", 2)
    ]


def test_group_pages_follow_the_marker(
    client: TestClient, account: CreatedAccount, worker: Worker
) -> None:
    rest = Rest(client, account)
    segment_id = rest.v2(
        "POST",
        "/api/v2/segments",
        {
            "segment_name": "All",
            "definition": {"type": "property", "property": "n", "op": "is_set"},
        },
    ).json()["segment_id"]
    for n in range(GROUP_PAGE_SIZE + 5):
        identify(client, account, **{"$email": f"p{n}@x.com", "n": n})
    worker.drain()
    first = rest.v2("GET", f"/api/v2/group/{segment_id}/members/all").json()
    second = rest.v2(
        "GET", f"/api/v2/group/{segment_id}/members/all", {"marker": first["marker"]}
    ).json()
    assert len(first["records"]) == GROUP_PAGE_SIZE and len(second["records"]) == 5
    assert "marker" not in second
    emails = {r["email"] for r in first["records"] + second["records"]}
    assert len(emails) == GROUP_PAGE_SIZE + 5


def test_list_membership_and_exclusions_drive_segments(
    client: TestClient, account: CreatedAccount, worker: Worker
) -> None:
    rest = Rest(client, account)
    list_id = rest.v2("POST", "/api/v2/lists", {"list_name": "News"}).json()["list_id"]
    definition = {"and": [{"type": "list", "list_id": list_id}, {"type": "not_excluded"}]}
    segment_id = create_segment(rest, "Reachable", definition)

    def members() -> list[str]:
        page = rest.v2("GET", f"/api/v2/group/{segment_id}/members/all").json()
        return sorted(r["email"] for r in page["records"])

    rest.v2(
        "POST",
        f"/api/v2/list/{list_id}/members",
        {"profiles": [{"email": "a@x.com"}, {"email": "b@x.com"}]},
    )
    assert members() == ["a@x.com", "b@x.com"]  # at once, in the request's transaction
    rest.post("/api/v1/people/exclusions", email="b@x.com")
    assert members() == ["a@x.com"]
    rest.v2("DELETE", f"/api/v2/list/{list_id}/members", {"emails": ["a@x.com"]})
    assert members() == []

    rest.v2("POST", f"/api/v2/list/{list_id}/members", {"profiles": [{"email": "c@x.com"}]})
    assert members() == ["c@x.com"]
    rest.v2("DELETE", f"/api/v2/list/{list_id}")
    worker.maintain()  # the worker rebuilds segments that asked about the deleted list
    assert members() == []


def test_person_edits_and_deletions_reach_segments(
    client: TestClient, account: CreatedAccount, worker: Worker
) -> None:
    rest = Rest(client, account)
    segment_id = create_segment(rest, "Gold", GOLD)
    identify(client, account, **{"$email": "a@x.com"})
    worker.drain()
    person = rest.v2("GET", "/api/v2/people/search", {"email": "a@x.com"}).json()["id"]

    def count() -> int:
        return int(rest.v2("GET", f"/api/v2/segment/{segment_id}").json()["member_count"])

    assert count() == 0
    assert rest.put(f"/api/v1/person/{person}", Plan="Gold").status_code == 200
    assert count() == 1
    rest.v2("POST", "/api/v2/data-privacy/deletion-request", {"email": "a@x.com"})
    assert count() == 0
