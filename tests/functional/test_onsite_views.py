import time
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount, do_create_account
from cairn.api import ids
from cairn.lists.actions import do_create_list
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


SUBSCRIBE = "/ajax/subscriptions/subscribe"


@pytest.fixture
def newsletter(store: Store, account: CreatedAccount) -> str:
    list_id = do_create_list(store, account.account_id, "Newsletter", time.time())
    return ids.encode("list", list_id)


def is_member(store: Store, account: CreatedAccount, list_public_id: str, profile_id: int) -> bool:
    list_id = ids.decode("list", list_public_id)
    assert list_id is not None
    with store.read() as queries:
        return profile_id in queries.members_among(account.account_id, list_id, [profile_id])


def test_subscribe_adds_the_person_to_the_list(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store, newsletter: str
) -> None:
    form = {
        "g": newsletter,
        "email": "Reader@Example.com",
        "$fields": "$first_name,$source",
        "$first_name": "Rae",
        "$source": "footer",
        "honeypot": "ignored",
    }
    response = client.post(SUBSCRIBE, data=form, headers=ORIGIN)
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "errors": [],
        "data": {"is_subscribed": True, "email": "reader@example.com", "list_id": newsletter},
    }
    assert response.headers["access-control-allow-origin"] == "*"

    profile = stored_profile(store, account.account_id, "email", "reader@example.com")
    assert profile is not None  # on the list at once, before the worker runs
    assert is_member(store, account, newsletter, profile.id)
    assert profile.properties["$first_name"] == "Rae"
    assert "honeypot" not in profile.properties

    worker.drain()
    profile = stored_profile(store, account.account_id, "email", "reader@example.com")
    assert profile is not None
    (event,) = profile.events
    assert event.metric == "Subscribed to List"
    assert event.properties["list"] == newsletter


def test_subscribing_again_records_one_event(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store, newsletter: str
) -> None:
    form = {"g": newsletter, "email": "twice@example.com", "a": account.public_key}
    assert client.post(SUBSCRIBE, data=form).json()["success"] is True
    time.sleep(1.01)  # a second apart: the events' own times would not dedupe them
    assert client.post(SUBSCRIBE, data=form).json()["success"] is True
    worker.drain()
    profile = stored_profile(store, account.account_id, "email", "twice@example.com")
    assert profile is not None and profile.metrics() == ["Subscribed to List"]


def test_subscribe_by_get_and_by_phone(
    client: TestClient, account: CreatedAccount, store: Store, newsletter: str
) -> None:
    response = client.get(SUBSCRIBE, params={"g": newsletter, "phone_number": "+1 555 010 9999"})
    assert response.json()["data"] == {
        "is_subscribed": True,
        "phone_number": "+15550109999",
        "list_id": newsletter,
    }
    profile = stored_profile(store, account.account_id, "phone", "+15550109999")
    assert profile is not None and is_member(store, account, newsletter, profile.id)


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"g": "{list}", "email": "not-an-email"}, "Please enter a valid email address."),
        ({"g": "{list}"}, "Please enter a valid email address."),
        ({"email": "a@example.com"}, "The list (g) is required."),
        ({"g": "nolist!", "email": "a@example.com"}, "The list (g) does not exist."),
        ({"g": "{metric}", "email": "a@example.com"}, "The list (g) does not exist."),
        (
            {"g": "{list}", "email": "a@example.com", "a": "nokey1"},
            "The public key (a) is unknown.",
        ),
    ],
)
def test_subscribe_refuses_bad_input_with_a_json_error(
    client: TestClient,
    store: Store,
    account: CreatedAccount,
    worker: Worker,
    newsletter: str,
    form: dict[str, str],
    error: str,
) -> None:
    names = {"list": newsletter, "metric": ids.encode("metric", 1)}
    form = {key: value.format(**names) for key, value in form.items()}
    response = client.post(SUBSCRIBE, data=form, headers=ORIGIN)
    assert response.status_code == 400
    assert response.json() == {"success": False, "errors": [error], "data": {}}
    assert response.headers["access-control-allow-origin"] == "*"
    assert worker.drain() == 0
    assert stored_profile(store, account.account_id, "email", "a@example.com") is None


def test_subscribe_never_reaches_another_accounts_list(
    client: TestClient, account: CreatedAccount, store: Store, newsletter: str
) -> None:
    other = do_create_account(store, "Other shop")
    form = {"g": newsletter, "email": "a@example.com", "a": other.public_key}
    response = client.post(SUBSCRIBE, data=form)
    assert response.status_code == 400
    assert response.json()["errors"] == ["The list (g) does not exist."]
    assert stored_profile(store, other.account_id, "email", "a@example.com") is None
    assert stored_profile(store, account.account_id, "email", "a@example.com") is None


def test_back_in_stock_can_also_subscribe_to_the_newsletter(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store, newsletter: str
) -> None:
    form = {
        "a": account.public_key,
        "email": "both@example.com",
        "variant": "V1",
        "g": newsletter,
        "subscribe_for_newsletter": "true",
    }
    assert client.post(BACK_IN_STOCK, data=form).json() == {
        "success": True,
        "email": "both@example.com",
    }
    worker.drain()
    profile = stored_profile(store, account.account_id, "email", "both@example.com")
    assert profile is not None and is_member(store, account, newsletter, profile.id)
    assert sorted(profile.metrics()) == ["Subscribed to Back in Stock", "Subscribed to List"]

    bad_list = {**form, "g": "nolist!"}
    response = client.post(BACK_IN_STOCK, data=bad_list)
    assert response.status_code == 400
    assert response.json()["errors"] == ["The list (g) does not exist."]


def test_a_malformed_multipart_body_gets_a_json_error(client: TestClient) -> None:
    response = client.post(
        BACK_IN_STOCK,
        content=b"--x\r\nnot a part",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert response.status_code == 400
    assert response.json() == {"success": False, "errors": ["The form could not be read."]}


def test_an_oversized_chunked_body_is_refused(client: TestClient, account: CreatedAccount) -> None:
    def chunks() -> Iterator[bytes]:
        yield f"a={account.public_key}&email=a@example.com&variant=V&x=".encode()
        for _ in range(100):
            yield b"y" * 1000

    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert client.post(BACK_IN_STOCK, content=chunks(), headers=form).status_code == 413
