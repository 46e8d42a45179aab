"""Keys, error shapes and limits, over HTTP."""

import orjson
import pytest
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount, do_create_account
from cairn.api.auth import INVALID, MISSING, PUBLIC
from cairn.app import create_app
from cairn.config import Settings
from cairn.store import Store
from support.api import Rest
from support.payloads import b64, track


def test_the_key_is_accepted_in_query_form_json_body_and_header(
    client: TestClient, account: CreatedAccount
) -> None:
    key = account.private_key
    responses = [
        client.get("/api/v1/metrics", params={"api_key": key}),
        client.post("/api/v1/people/exclusions", data={"api_key": key, "email": "x@y.com"}),
        client.request("GET", "/api/v2/lists", json={"api_key": key}),
        client.request("DELETE", "/api/v2/list/AAAAAAA", json={"api_key": key}),
        client.get("/api/v2/lists", headers={"api-key": key}),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 404, 200]


@pytest.mark.parametrize(
    ("params", "message"),
    [({}, MISSING), ({"api_key": "pk_nonsense"}, INVALID), ({"api_key": ""}, MISSING)],
)
def test_a_missing_or_unknown_key_is_403_in_the_v1_shape(
    client: TestClient, params: dict[str, str], message: str
) -> None:
    response = client.get("/api/v1/metrics", params=params)
    assert response.status_code == 403
    assert response.json() == {"status": 403, "message": message}


def test_v2_errors_carry_detail_and_message(client: TestClient) -> None:
    response = client.request("GET", "/api/v2/lists", json={"api_key": "pk_wrong"})
    assert response.status_code == 403
    assert response.json() == {"detail": INVALID, "message": INVALID}


def test_a_public_key_is_refused_everywhere(client: TestClient, account: CreatedAccount) -> None:
    for response in (
        client.get("/api/v1/metrics", params={"api_key": account.public_key}),
        client.get("/api/v2/lists", headers={"api-key": account.public_key}),
    ):
        assert response.status_code == 403
        assert response.json()["message"] == PUBLIC


def test_keys_are_stored_only_as_hashes(store: Store, account: CreatedAccount) -> None:
    with store.read() as queries:
        rows = queries.all("SELECT key_hash, prefix FROM api_keys")
    assert rows and all(account.private_key not in (h, p) for h, p in rows)
    assert all(len(h) == 64 for h, _ in rows)


def test_unknown_paths_and_methods_answer_json_with_a_message(
    client: TestClient, account: CreatedAccount
) -> None:
    missing = client.get("/api/v1/nothing-here", params={"api_key": account.private_key})
    assert missing.status_code == 404
    assert missing.json()["message"]
    odd = client.get("/api/v1/x%0Ay", params={"api_key": account.private_key})
    assert (odd.status_code, odd.json()["status"]) == (404, 404)
    wrong_method = client.post("/api/v1/metrics", params={"api_key": account.private_key})
    assert wrong_method.status_code == 405
    assert wrong_method.json()["status"] == 405


def test_bad_json_is_400_and_the_server_keeps_serving(
    client: TestClient, account: CreatedAccount
) -> None:
    broken = client.post(
        "/api/v2/lists", content=b'{"list_name": ', headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json()["detail"] == "The request body is not valid JSON."
    not_object = client.post("/api/v2/lists", json=["a"])
    assert not_object.status_code == 400
    assert Rest(client, account).get("/api/v1/metrics").status_code == 200


def test_a_body_over_1_mb_is_413(client: TestClient, account: CreatedAccount) -> None:
    body = orjson.dumps({"api_key": account.private_key, "list_name": "x" * (1024 * 1024)})
    response = client.post(
        "/api/v2/lists", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "1 MB" in response.json()["message"]


def test_bad_parameters_are_400_never_500(client: TestClient, account: CreatedAccount) -> None:
    rest = Rest(client, account)
    for path, params in [
        ("/api/v1/metrics", {"count": "101"}),
        ("/api/v1/metrics", {"page": "-1"}),
        ("/api/v1/metrics", {"count": "many"}),
        ("/api/v1/metrics/timeline", {"sort": "sideways"}),
        ("/api/v1/metrics/timeline", {"since": "last tuesday"}),
    ]:
        response = rest.get(path, **params)
        assert response.status_code == 400, (path, params, response.text)
        assert response.json()["status"] == 400
        assert response.json()["message"]


@pytest.fixture
def limited(store: Store) -> TestClient:
    settings = Settings(database_url="unused", api_rate_burst=2, api_rate_per_second=0.01)
    return TestClient(create_app(store, settings))


def test_rate_limits_answer_429_with_retry_after(
    limited: TestClient, account: CreatedAccount
) -> None:
    with limited:
        rest = Rest(limited, account)
        first, second, third = (rest.get("/api/v1/metrics") for _ in range(3))
        v2 = limited.get("/api/v2/lists", headers={"api-key": account.private_key})
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.headers["RateLimit-Limit"] == "2"
    assert first.headers["RateLimit-Remaining"] == "1"
    assert third.status_code == 429
    assert third.headers["RateLimit-Remaining"] == "0"
    assert int(third.headers["Retry-After"]) >= 1
    assert third.json()["message"].startswith("Request was throttled. Expected available in")
    assert v2.status_code == 429
    assert "throttled" in v2.json()["detail"]


def test_rate_limits_are_per_key(
    limited: TestClient, account: CreatedAccount, store: Store
) -> None:
    other = do_create_account(store, "Other")
    with limited:
        for _ in range(3):
            Rest(limited, account).get("/api/v1/metrics")
        assert Rest(limited, other).get("/api/v1/metrics").status_code == 200


def test_track_has_its_own_limit_per_public_key(store: Store, account: CreatedAccount) -> None:
    settings = Settings(database_url="unused", ingest_rate_burst=2, ingest_rate_per_second=0.01)
    other = do_create_account(store, "Other")
    with TestClient(create_app(store, settings)) as client:
        answers = [
            client.get("/api/track", params={"data": b64(track(account.public_key))})
            for _ in range(3)
        ]
        elsewhere = client.get("/api/track", params={"data": b64(track(other.public_key))})
        rest = Rest(client, account).get("/api/v1/metrics")
    assert [(a.status_code, a.text) for a in answers] == [(200, "1"), (200, "1"), (429, "0")]
    assert (elsewhere.status_code, elsewhere.text) == (200, "1")
    assert rest.status_code == 200
