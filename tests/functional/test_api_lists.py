"""v2 lists, members, subscriptions and exclusions, and the v1 list routes, over HTTP."""

from typing import Any

import pytest
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount
from cairn.api import ids, lists
from cairn.pipeline.worker import Worker
from support.api import Rest, identify, person_id


@pytest.fixture
def rest(client: TestClient, account: CreatedAccount) -> Rest:
    return Rest(client, account)


def new_list(rest: Rest, name: str = "Newsletter") -> str:
    response = rest.v2("POST", "/api/v2/lists", {"list_name": name})
    assert response.status_code == 200, response.text
    return str(response.json()["list_id"])


def subscribe(rest: Rest, list_id: str, *profiles: dict[str, Any], path: str = "subscribe") -> Any:
    response = rest.v2("POST", f"/api/v2/list/{list_id}/{path}", {"profiles": list(profiles)})
    assert response.status_code == 200, response.text
    return response.json()


def test_create_list_get_rename_delete(rest: Rest) -> None:
    list_id = new_list(rest)
    assert rest.v2("GET", "/api/v2/lists").json() == [
        {"list_id": list_id, "list_name": "Newsletter"}
    ]
    detail = rest.v2("GET", f"/api/v2/list/{list_id}").json()
    assert (detail["list_name"], detail["opt_in_process"]) == ("Newsletter", "single_opt_in")
    renamed = rest.v2("PUT", f"/api/v2/list/{list_id}", {"list_name": "VIP"})
    assert (renamed.status_code, renamed.content) == (200, b"")
    assert rest.v2("GET", f"/api/v2/list/{list_id}").json()["list_name"] == "VIP"
    deleted = rest.v2("DELETE", f"/api/v2/list/{list_id}")
    assert (deleted.status_code, deleted.content) == (200, b"")
    assert rest.v2("GET", f"/api/v2/list/{list_id}").status_code == 404
    assert rest.v2("GET", "/api/v2/lists").json() == []


def test_list_errors(rest: Rest) -> None:
    assert rest.v2("POST", "/api/v2/lists", {}).status_code == 400
    list_id = new_list(rest)
    assert rest.v2("PUT", f"/api/v2/list/{list_id}", {"list_name": " "}).status_code == 400
    missing = ids.encode("list", 4242)
    for method, path, body in [
        ("GET", f"/api/v2/list/{missing}", {}),
        ("PUT", f"/api/v2/list/{missing}", {"list_name": "x"}),
        ("DELETE", f"/api/v2/list/{missing}", {}),
        ("POST", f"/api/v2/list/{missing}/members", {"profiles": [{"email": "a@x.com"}]}),
        ("GET", f"/api/v2/list/{missing}/members", {"emails": ["a@x.com"]}),
        ("DELETE", f"/api/v2/list/{missing}/subscribe", {"emails": ["a@x.com"]}),
        ("GET", f"/api/v2/list/{missing}/exclusions/all", {}),
        ("GET", "/api/v2/list/not-an-id/subscribe", {"emails": ["a@x.com"]}),
    ]:
        response = rest.v2(method, path, body)
        assert response.status_code == 404, (method, path)
        assert response.json() == {
            "detail": "List does not exist.",
            "message": "List does not exist.",
        }
    for body in ({}, {"profiles": []}, {"profiles": [{"first_name": "x"}]}, {"profiles": "a"}):
        assert rest.v2("POST", f"/api/v2/list/{list_id}/subscribe", body).status_code == 400
    assert rest.v2("GET", f"/api/v2/list/{list_id}/members", {}).status_code == 400


def test_subscribe_creates_or_finds_profiles_by_identity_rules(
    rest: Rest, client: TestClient, account: CreatedAccount, worker: Worker
) -> None:
    identify(client, account, email="known@x.com", Plan="Gold")
    worker.drain()
    list_id = new_list(rest)
    added = subscribe(
        rest,
        list_id,
        {"email": "KNOWN@x.com", "first_name": "Kay"},
        {"$email": "new@x.com", "$consent": ["email"]},
        {"phone_number": "+13239169023", "sms_consent": True},
    )
    known = person_id(rest, "known@x.com")
    assert [a["id"] for a in added[:2]] == [known, person_id(rest, "new@x.com")]
    assert added[0]["email"] == "known@x.com"
    assert added[2]["phone_number"] == "+13239169023"
    assert "email" not in added[2]
    assert added[0]["created"].endswith("Z")
    person = rest.get(f"/api/v1/person/{known}").json()
    assert (person["Plan"], person["first_name"]) == ("Gold", "Kay")
    phone_person = rest.get(f"/api/v1/person/{added[2]['id']}").json()
    assert phone_person["sms_consent"] is True


def test_check_and_remove_members(rest: Rest) -> None:
    list_id = new_list(rest)
    subscribe(rest, list_id, {"email": "a@x.com"}, {"email": "b@x.com"}, path="members")
    present = rest.v2(
        "GET", f"/api/v2/list/{list_id}/members", {"emails": ["a@x.com", "c@x.com", "B@x.com"]}
    ).json()
    assert [p["email"] for p in present] == ["a@x.com", "b@x.com"]
    by_query = rest.client.get(
        f"/api/v2/list/{list_id}/members",
        params=[("api_key", rest.account.private_key), ("emails", "a@x.com,b@x.com")],
    ).json()
    assert len(by_query) == 2
    removed = rest.v2("DELETE", f"/api/v2/list/{list_id}/members", {"emails": ["a@x.com"]})
    assert (removed.status_code, removed.content) == (200, b"")
    left = rest.v2("GET", f"/api/v2/list/{list_id}/members", {"emails": ["a@x.com", "b@x.com"]})
    assert [p["email"] for p in left.json()] == ["b@x.com"]
    assert rest.v2("GET", f"/api/v2/list/{list_id}/exclusions/all").json() == {"records": []}


def test_unsubscribe_excludes_and_resubscribe_lifts_it(rest: Rest) -> None:
    list_id = new_list(rest)
    subscribe(rest, list_id, {"email": "a@x.com"}, {"phone_number": "+15550003"})
    gone = rest.v2(
        "DELETE",
        f"/api/v2/list/{list_id}/subscribe",
        {"emails": ["a@x.com"], "phone_numbers": ["+15550003"]},
    )
    assert gone.status_code == 200
    assert rest.v2("GET", f"/api/v2/list/{list_id}/subscribe", {"emails": ["a@x.com"]}).json() == []
    excluded = rest.v2("GET", f"/api/v2/list/{list_id}/exclusions/all").json()
    assert [r.get("email") for r in excluded["records"]] == ["a@x.com", None]
    assert excluded["records"][0]["reason"] == "unsubscribed"
    assert excluded["records"][1]["phone_reason"] == "unsubscribed"
    assert "marker" not in excluded
    v1 = rest.get(f"/api/v1/list/{list_id}/exclusions").json()
    assert v1["total"] == 2
    assert v1["data"][0]["object"] == "exclusion"
    # Adding as a member does not lift the exclusion; an explicit subscribe does.
    subscribe(rest, list_id, {"email": "a@x.com"}, path="members")
    assert rest.v2("GET", f"/api/v2/list/{list_id}/subscribe", {"emails": ["a@x.com"]}).json() == []
    subscribe(rest, list_id, {"email": "a@x.com"})
    again = rest.v2("GET", f"/api/v2/list/{list_id}/subscribe", {"emails": ["a@x.com"]}).json()
    assert [p["email"] for p in again] == ["a@x.com"]


def test_a_global_exclusion_hides_a_subscriber(rest: Rest) -> None:
    list_id = new_list(rest)
    subscribe(rest, list_id, {"email": "a@x.com"}, {"email": "b@x.com"})
    added = rest.post("/api/v1/people/exclusions", email="A@x.com", timestamp="1600000000")
    assert added.json() == {"object": "exclusion", "email": "a@x.com"}
    subscribed = rest.v2(
        "GET", f"/api/v2/list/{list_id}/subscribe", {"emails": ["a@x.com", "b@x.com"]}
    ).json()
    assert [p["email"] for p in subscribed] == ["b@x.com"]
    members = rest.v2(
        "GET", f"/api/v2/list/{list_id}/members", {"emails": ["a@x.com", "b@x.com"]}
    ).json()
    assert len(members) == 2
    exclusions = rest.get("/api/v1/people/exclusions").json()
    assert exclusions["data"] == [
        {
            "object": "exclusion",
            "email": "a@x.com",
            "reason": "manually_excluded",
            "timestamp": "2020-09-13 12:26:40",
        }
    ]
    assert rest.get("/api/v1/people/exclusions", reason="bounced").json()["total"] == 0
    assert rest.get("/api/v1/people/exclusions", reason="weird").status_code == 400
    assert rest.post("/api/v1/people/exclusions", email="nope").status_code == 400


def test_group_members_page_by_marker(rest: Rest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lists, "GROUP_PAGE_SIZE", 2)
    monkeypatch.setattr("cairn.api.segments.GROUP_PAGE_SIZE", 2)
    list_id = new_list(rest)
    subscribe(rest, list_id, *({"email": f"m{i}@x.com"} for i in range(5)))
    emails: list[str] = []
    marker = None
    pages = 0
    while True:
        body = {"marker": marker} if marker else {}
        page = rest.v2("GET", f"/api/v2/group/{list_id}/members/all", body).json()
        emails += [r["email"] for r in page["records"]]
        pages += 1
        marker = page.get("marker")
        if not marker:
            break
    assert sorted(emails) == [f"m{i}@x.com" for i in range(5)]
    assert pages == 3


def test_v1_lists_page_with_member_counts(rest: Rest) -> None:
    first = new_list(rest, "One")
    new_list(rest, "Two")
    subscribe(rest, first, {"email": "a@x.com"}, {"email": "b@x.com"})
    page = rest.get("/api/v1/lists").json()
    assert page["total"] == 2
    assert [(item["name"], item["person_count"]) for item in page["data"]] == [
        ("One", 2),
        ("Two", 0),
    ]
    assert page["data"][0]["list_type"] == "list"


def test_a_merge_moves_list_memberships(
    rest: Rest, client: TestClient, account: CreatedAccount, worker: Worker
) -> None:
    list_id = new_list(rest)
    subscribe(rest, list_id, {"phone_number": "+15550004"})
    identify(client, account, **{"$email": "ann@x.com"})
    worker.drain()
    identify(client, account, **{"$email": "ann@x.com", "$phone_number": "+15550004"})
    worker.drain()
    members = rest.v2("GET", f"/api/v2/group/{list_id}/members/all").json()["records"]
    assert members == [
        {"id": person_id(rest, "ann@x.com"), "email": "ann@x.com", "phone_number": "+15550004"}
    ]
