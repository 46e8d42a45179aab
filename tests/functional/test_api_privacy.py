"""v2 people search and data-privacy deletion over HTTP."""

from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount
from cairn.api import ids
from cairn.people.actions import identifier_hash
from cairn.pipeline.worker import Worker
from cairn.store import Store
from support.api import Rest, person_id, seed

T0 = 1_600_000_000


def test_search_finds_a_profile_by_email(
    client: TestClient, account: CreatedAccount, worker: Worker
) -> None:
    seed(client, account, worker, [("Viewed", "ann@x.com", T0, {})])
    rest = Rest(client, account)
    found = rest.v2("GET", "/api/v2/people/search", {"email": "ANN@x.com"})
    assert found.status_code == 200
    assert ids.decode("person", found.json()["id"]) is not None
    by_query = rest.get("/api/v2/people/search", email="ann@x.com")
    assert by_query.json() == found.json()
    missing = rest.v2("GET", "/api/v2/people/search", {"email": "nobody@x.com"})
    assert missing.status_code == 404
    assert missing.json()["detail"]
    assert rest.v2("GET", "/api/v2/people/search", {}).status_code == 400
    assert rest.v2("GET", "/api/v2/people/search", {"email": "nope"}).status_code == 400


def test_deletion_purges_profile_events_memberships_and_records_the_request(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    seed(
        client,
        account,
        worker,
        [("Viewed", "ann@x.com", T0 + i, {}) for i in range(3)] + [("Viewed", "bob@x.com", T0, {})],
    )
    rest = Rest(client, account)
    list_id = rest.v2("POST", "/api/v2/lists", {"list_name": "L"}).json()["list_id"]
    rest.v2("POST", f"/api/v2/list/{list_id}/subscribe", {"profiles": [{"email": "ann@x.com"}]})
    rest.v2("DELETE", f"/api/v2/list/{list_id}/subscribe", {"emails": ["ann@x.com"]})
    ann = person_id(rest, "ann@x.com")

    response = rest.v2("POST", "/api/v2/data-privacy/deletion-request", {"email": "Ann@x.com"})
    assert response.status_code == 200
    assert response.json() == "Submitted new deletion task for customer."

    assert rest.get(f"/api/v1/person/{ann}").status_code == 404
    timeline = rest.get("/api/v1/metrics/timeline").json()["data"]
    assert [e["person"]["$email"] for e in timeline] == ["bob@x.com"]
    assert rest.v2("GET", f"/api/v2/list/{list_id}/exclusions/all").json() == {"records": []}
    with store.read() as queries:
        leftovers = [
            queries.one(
                f"SELECT count(*) FROM {table} WHERE account_id = ?", (account.account_id,)
            )[0]
            for table in ("list_members", "list_exclusions")
        ]
        requests = queries.deletion_requests(account.account_id)
        profiles = queries.one("SELECT count(*) FROM profiles")[0]
    assert leftovers == [0, 0]
    assert profiles == 1
    assert requests[0][:4] == ("email", identifier_hash("ann@x.com"), 1, 3)


def test_deletion_by_phone_and_by_id(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    seed(client, account, worker, [("Viewed", "ann@x.com", T0, {})])
    rest = Rest(client, account)
    rest.v2("POST", "/api/v2/lists", {"list_name": "L"})
    ann = person_id(rest, "ann@x.com")
    assert (
        rest.v2(
            "POST", "/api/v2/data-privacy/deletion-request", {"phone_number": "+15550009"}
        ).status_code
        == 200
    )
    assert rest.get(f"/api/v1/person/{ann}").status_code == 200
    by_id = rest.v2("POST", "/api/v2/data-privacy/deletion-request", {"person_id": ann})
    assert by_id.status_code == 200
    assert rest.get(f"/api/v1/person/{ann}").status_code == 404
    again = rest.v2("POST", "/api/v2/data-privacy/deletion-request", {"person_id": ann})
    assert again.status_code == 404
    with store.read() as queries:
        kinds = [r[0] for r in queries.deletion_requests(account.account_id)]
    assert kinds == ["phone_number", "person_id", "person_id"]


def test_deletion_needs_exactly_one_identifier(client: TestClient, account: CreatedAccount) -> None:
    rest = Rest(client, account)
    for body in ({}, {"email": "a@x.com", "phone_number": "+15550001"}, {"email": "nope"}):
        response = rest.v2("POST", "/api/v2/data-privacy/deletion-request", body)
        assert response.status_code == 400
        assert response.json()["message"]
