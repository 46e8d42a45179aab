"""v1 person over HTTP: read, update, unset, timelines."""

from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount
from cairn.api import ids
from cairn.pipeline.worker import Worker
from cairn.store import Store
from support.api import Rest, identify, metric_id, person_id, seed

T0 = 1_600_000_000


def test_a_person_reads_with_special_and_custom_properties(
    client: TestClient, account: CreatedAccount, worker: Worker
) -> None:
    identify(client, account, email="geo@x.com", **{"$first_name": "George", "Plan": "Gold"})
    worker.drain()
    rest = Rest(client, account)
    person_id_ = person_id(rest, "geo@x.com")
    person = rest.get(f"/api/v1/person/{person_id_}").json()
    assert person["object"] == "person"
    assert person["id"] == person_id_
    assert (person["$email"], person["$first_name"], person["Plan"]) == (
        "geo@x.com",
        "George",
        "Gold",
    )
    assert len(person["created"]) == 19


def test_put_sets_properties_from_the_query_and_unsets_others(
    client: TestClient, account: CreatedAccount, worker: Worker
) -> None:
    identify(client, account, email="geo@x.com", Plan="Gold", Nickname="G", Keep="yes")
    worker.drain()
    rest = Rest(client, account)
    person = person_id(rest, "geo@x.com")
    response = rest.put(
        f"/api/v1/person/{person}",
        **{"$first_name": "John", "Age": "42", "Zip": "02134", "$unset": '["Plan","Nickname"]'},
    )
    assert response.status_code == 200
    updated = response.json()
    assert (updated["$first_name"], updated["Age"], updated["Zip"]) == ("John", 42, "02134")
    assert "Plan" not in updated and "Nickname" not in updated
    assert updated["Keep"] == "yes"
    assert rest.get(f"/api/v1/person/{person}").json() == updated


def test_put_accepts_form_fields(
    client: TestClient, account: CreatedAccount, worker: Worker
) -> None:
    identify(client, account, email="geo@x.com")
    worker.drain()
    rest = Rest(client, account)
    person = person_id(rest, "geo@x.com")
    response = client.put(
        f"/api/v1/person/{person}",
        data={"api_key": account.private_key, "$city": "Mount Vernon", "$email": "GW@x.com"},
    )
    assert response.status_code == 200
    assert response.json()["$city"] == "Mount Vernon"
    assert person_id(rest, "gw@x.com") == person


def test_put_refuses_an_email_another_profile_holds(
    client: TestClient, account: CreatedAccount, worker: Worker
) -> None:
    identify(client, account, email="one@x.com")
    identify(client, account, email="two@x.com")
    worker.drain()
    rest = Rest(client, account)
    response = rest.put(f"/api/v1/person/{person_id(rest, 'one@x.com')}", **{"$email": "two@x.com"})
    assert response.status_code == 400
    assert "another profile" in response.json()["message"]
    bad = rest.put(f"/api/v1/person/{person_id(rest, 'one@x.com')}", **{"$email": "nope"})
    assert bad.status_code == 400


def test_unknown_people_are_404(client: TestClient, account: CreatedAccount) -> None:
    rest = Rest(client, account)
    for response in (
        rest.get(f"/api/v1/person/{ids.encode('person', 12345)}"),
        rest.put("/api/v1/person/garbage", Plan="x"),
        rest.get("/api/v1/person/garbage/metrics/timeline"),
    ):
        assert response.status_code == 404
        assert response.json() == {"status": 404, "message": "Person does not exist."}


def test_a_persons_timelines(client: TestClient, account: CreatedAccount, worker: Worker) -> None:
    seed(
        client,
        account,
        worker,
        [
            ("Viewed", "ann@x.com", T0, {}),
            ("Ordered", "ann@x.com", T0 + 1, {}),
            ("Viewed", "ann@x.com", T0 + 2, {}),
            ("Viewed", "bob@x.com", T0 + 3, {}),
        ],
    )
    rest = Rest(client, account)
    ann = person_id(rest, "ann@x.com")
    all_metrics = rest.get(f"/api/v1/person/{ann}/metrics/timeline").json()
    assert [e["event_name"] for e in all_metrics["data"]] == ["Viewed", "Ordered", "Viewed"]
    viewed = metric_id(rest, "Viewed")
    one = rest.get(f"/api/v1/person/{ann}/metric/{viewed}/timeline", count=1).json()
    assert [e["timestamp"] for e in one["data"]] == [T0 + 2]
    rest_of_it = rest.get(
        f"/api/v1/person/{ann}/metric/{viewed}/timeline", since=one["next"]
    ).json()
    assert [e["timestamp"] for e in rest_of_it["data"]] == [T0]
    assert rest_of_it["next"] is None


def test_a_merged_away_person_id_reads_the_survivor(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    identify(client, account, **{"$phone_number": "+15550002", "Source": "sms"})
    identify(client, account, **{"$email": "ann@x.com", "Plan": "Gold"})
    worker.drain()
    with store.read() as queries:
        phone_only = queries.profile_by_identifier(account.account_id, "phone", "+15550002")
    assert phone_only is not None
    identify(client, account, **{"$email": "ann@x.com", "$phone_number": "+15550002"})
    worker.drain()
    rest = Rest(client, account)
    survivor = rest.get(f"/api/v1/person/{ids.encode('person', phone_only.id)}").json()
    assert survivor["id"] == person_id(rest, "ann@x.com")
    assert (survivor["Source"], survivor["Plan"]) == ("sms", "Gold")
