"""Segment members (served from list groups until the segment engine lands)."""

from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount
from cairn.api import ids
from support.api import Rest


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


def test_segment_ids_answer_404_until_segments_exist(
    client: TestClient, account: CreatedAccount
) -> None:
    rest = Rest(client, account)
    segment = ids.encode("segment", 1)
    response = rest.get(f"/api/v1/segment/{segment}/members", email="a@x.com")
    assert response.status_code == 404
    assert "list groups only" in response.json()["message"]
    v2 = rest.v2("GET", f"/api/v2/group/{segment}/members/all")
    assert v2.status_code == 404
    assert "list groups only" in v2.json()["detail"]


def test_more_than_100_emails_is_400(client: TestClient, account: CreatedAccount) -> None:
    rest = Rest(client, account)
    list_id = rest.v2("POST", "/api/v2/lists", {"list_name": "Group"}).json()["list_id"]
    emails = ",".join(f"p{i}@x.com" for i in range(101))
    response = rest.get(f"/api/v1/segment/{list_id}/members", email=emails)
    assert response.status_code == 400
