import pytest
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount
from cairn.onsite.views import SCRIPT_PATHS
from cairn.pipeline.worker import Worker
from cairn.store import Store
from support.stored import stored_profile

BACK_IN_STOCK = "/onsite/components/back-in-stock/subscribe"
ORIGIN = {"Origin": "https://shop.example"}


@pytest.mark.parametrize("path", SCRIPT_PATHS)
def test_tracker_script_is_served_with_an_etag(client: TestClient, path: str) -> None:
    response = client.get(path, params={"company_id": "AbC123"}, headers=ORIGIN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/javascript")
    assert response.headers["access-control-allow-origin"] == "*"
    assert "_learnq" in response.text and "__kla_id" in response.text
    etag = response.headers["etag"]

    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert client.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_tracker_script_is_the_same_under_every_name(client: TestClient) -> None:
    bodies = {client.get(path).content for path in SCRIPT_PATHS}
    assert len(bodies) == 1


def test_tracker_script_is_gzipped_for_browsers_that_accept_it(client: TestClient) -> None:
    plain = client.get(SCRIPT_PATHS[0], headers={"Accept-Encoding": "identity"})
    zipped = client.get(SCRIPT_PATHS[0], headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < len(plain.content) / 2
    assert zipped.content == plain.content  # httpx decodes it


def test_back_in_stock_records_the_event_on_the_profile(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    response = client.post(
        BACK_IN_STOCK,
        data={
            "a": account.public_key,
            "email": "Waiting@Example.com",
            "variant": "BOOT-42-10",
            "product": "BOOT-42",
            "platform": "shopify",
        },
        headers=ORIGIN,
    )
    assert response.status_code == 200
    assert response.json() == {"success": True, "email": "waiting@example.com"}
    assert response.headers["access-control-allow-origin"] == "*"

    assert worker.drain() == 1
    profile = stored_profile(store, account.account_id, "email", "waiting@example.com")
    assert profile is not None
    (event,) = profile.events
    assert event.metric == "Subscribed to Back in Stock"
    assert event.properties == {
        "variant": "BOOT-42-10",
        "product": "BOOT-42",
        "platform": "shopify",
    }


def test_back_in_stock_accepts_multipart_and_the_key_in_the_query(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    response = client.post(
        f"{BACK_IN_STOCK}?a={account.public_key}",
        files={"email": (None, "multi@example.com"), "variant": (None, "V1")},
    )
    assert response.json() == {"success": True, "email": "multi@example.com"}
    worker.drain()
    profile = stored_profile(store, account.account_id, "email", "multi@example.com")
    assert profile is not None and profile.metrics() == ["Subscribed to Back in Stock"]


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"email": "a@example.com", "variant": "V1"}, "The public key (a) is required."),
        (
            {"a": "nokey1", "email": "a@example.com", "variant": "V1"},
            "The public key (a) is unknown.",
        ),
        (
            {"a": "{key}", "email": "not an email", "variant": "V1"},
            "Please enter a valid email address.",
        ),
        ({"a": "{key}", "variant": "V1"}, "Please enter a valid email address."),
        ({"a": "{key}", "email": "a@example.com"}, "The variant is required."),
    ],
)
def test_back_in_stock_refuses_bad_input_with_a_json_error(
    client: TestClient,
    account: CreatedAccount,
    worker: Worker,
    form: dict[str, str],
    error: str,
) -> None:
    form = {key: value.format(key=account.public_key) for key, value in form.items()}
    response = client.post(BACK_IN_STOCK, data=form, headers=ORIGIN)
    assert response.status_code == 400
    assert response.json() == {"success": False, "errors": [error]}
    assert response.headers["access-control-allow-origin"] == "*"
    assert worker.drain() == 0


def test_back_in_stock_refuses_an_oversized_body(
    client: TestClient, account: CreatedAccount
) -> None:
    form = {"a": account.public_key, "email": "a@example.com", "variant": "V", "x": "y" * 100_000}
    assert client.post(BACK_IN_STOCK, data=form).status_code == 413
    ok = {"a": account.public_key, "email": "a@example.com", "variant": "V"}
    assert client.post(BACK_IN_STOCK, data=ok).status_code == 200


def test_back_in_stock_answers_a_cors_preflight(client: TestClient) -> None:
    response = client.options(
        BACK_IN_STOCK,
        headers={**ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]


def test_demo_shop_embeds_the_snippet_for_the_given_key(client: TestClient) -> None:
    page = client.get("/demo/shop", params={"company_id": "AbC123"})
    assert page.status_code == 200
    assert '<script async src="/onsite/js/klaviyo.js?company_id=AbC123">' in page.text
    assert 'id="identify"' in page.text


def test_demo_shop_without_a_key_explains_how_to_open_it(client: TestClient) -> None:
    page = client.get("/demo/shop")
    assert page.status_code == 200
    assert "/demo/shop?company_id=PUBLIC_KEY" in page.text
    assert "klaviyo.js" not in page.text
