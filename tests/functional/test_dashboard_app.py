"""The dashboard over HTTP in-process: sign-in, sessions, CSRF, keys and account isolation."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from cairn.accounts.actions import CreatedAccount, do_create_account
from cairn.cli import app as cli
from cairn.pipeline.worker import Worker
from cairn.store import Store
from support.dashboard import csrf_of, sign_in
from support.payloads import b64, track

POST_ROUTES = ["/signin", "/signout", "/keys/create", "/keys/revoke"]


def other_client(client: TestClient) -> TestClient:
    """A second browser on the same server: its own cookies."""
    return TestClient(client.app)


def test_pages_need_a_signed_in_session(client: TestClient) -> None:
    pages = ["/charts", "/profiles?q=a", "/keys", "/health", "/charts/1", "/profiles/1", "/lists"]
    for path in [*pages, "/lists/1"]:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/signin?next=")
    assert client.get("/", follow_redirects=False).headers["location"] == "/charts"


def test_sign_in_with_a_private_key_sets_a_safe_cookie(
    client: TestClient, account: CreatedAccount
) -> None:
    first = client.get("/signin")
    cookie = first.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    response = client.post(
        "/signin",
        data={"csrf": csrf_of(first.text), "private_key": account.private_key, "next": "/keys"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/keys"
    page = client.get("/keys")
    assert page.status_code == 200 and "Test shop" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["server-timing"].startswith("app;dur=")


def test_a_wrong_key_is_refused_with_a_message(client: TestClient, account: CreatedAccount) -> None:
    token = csrf_of(client.get("/signin").text)
    response = client.post("/signin", data={"csrf": token, "private_key": "pk_nope"})
    assert response.status_code == 401
    assert "unknown or revoked" in response.text
    assert client.get("/charts", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("path", POST_ROUTES)
@pytest.mark.parametrize("token", [None, "forged"])
def test_every_form_needs_the_sessions_csrf_token(
    client: TestClient, account: CreatedAccount, store: Store, path: str, token: str | None
) -> None:
    sign_in(client, private_key=account.private_key)
    data = {"private_key": account.private_key, "label": "x", "key": "x"}
    if token:
        data["csrf"] = token
    response = client.post(path, data=data, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/charts", follow_redirects=False).status_code == 200  # still signed in
    with store.read() as queries:
        assert len(queries.all("SELECT 1 FROM api_keys")) == 1  # no key was created


def test_a_token_from_another_session_is_refused(
    client: TestClient, account: CreatedAccount
) -> None:
    sign_in(client, private_key=account.private_key)
    foreign = csrf_of(other_client(client).get("/signin").text)
    assert client.post("/keys/create", data={"csrf": foreign}).status_code == 403


def test_a_key_is_shown_once_and_signs_in(client: TestClient, account: CreatedAccount) -> None:
    sign_in(client, private_key=account.private_key)
    page = client.get("/keys")
    assert account.public_key in page.text and "company_id=" + account.public_key in page.text
    created = client.post("/keys/create", data={"csrf": csrf_of(page.text), "label": "warehouse"})
    key = re.search(r'data-testid="new-key">(pk_\w+)<', created.text)
    assert key is not None
    assert created.headers["cache-control"] == "no-store"
    later = client.get("/keys").text
    assert key.group(1) not in later and "warehouse" in later and key.group(1)[:7] in later
    sign_in(other_client(client), private_key=key.group(1))


def test_revoking_the_key_of_a_session_signs_it_out(
    client: TestClient, account: CreatedAccount, store: Store
) -> None:
    sign_in(client, private_key=account.private_key)
    page = client.get("/keys").text
    key_hash = re.search(r'name="key" value="(\w+)"', page)
    assert key_hash is not None
    response = client.post(
        "/keys/revoke",
        data={"csrf": csrf_of(page), "key": key_hash.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert client.get("/keys", follow_redirects=False).status_code == 303
    with store.read() as queries:
        assert queries.account_by_key_hash(key_hash.group(1)) is None


def test_password_set_by_the_cli_signs_in_until_it_changes(
    client: TestClient, account: CreatedAccount, database_url: str
) -> None:
    runner = CliRunner()
    set_password = [
        "account",
        "set-password",
        str(account.account_id),
        "--database-url",
        database_url,
        "--password-stdin",
    ]
    assert runner.invoke(cli, set_password, input="short\n").exit_code == 2
    result = runner.invoke(cli, set_password, input="a long enough secret\n")
    assert result.exit_code == 0, result.output
    token = csrf_of(client.get("/signin").text)
    wrong = {"csrf": token, "account": account.public_key, "password": "a long enough guess"}
    assert client.post("/signin", data=wrong).status_code == 401
    sign_in(client, account=account.public_key, password="a long enough secret")
    assert client.get("/charts", follow_redirects=False).status_code == 200
    assert runner.invoke(cli, set_password, input="another long secret\n").exit_code == 0
    assert client.get("/charts", follow_redirects=False).status_code == 303
    sign_in(client, account="Test shop", password="another long secret")


def test_a_second_account_cannot_see_the_firsts_data(
    client: TestClient, account: CreatedAccount, store: Store, worker: Worker
) -> None:
    payload = track(account.public_key, email="secret@example.com", properties={"Brand": "Z"})
    assert client.get("/api/track", params={"data": b64(payload)}).text == "1"
    worker.drain()
    with store.read() as queries:
        profile = queries.profile_by_identifier(account.account_id, "email", "secret@example.com")
        metric_id = queries.metrics_of(account.account_id)["Placed Order"]
    assert profile is not None
    sign_in(client, private_key=account.private_key)
    assert "secret@example.com" in client.get(f"/profiles/{profile.id}").text

    other = do_create_account(store, "Other shop")
    browser = other_client(client)
    sign_in(browser, private_key=other.private_key)
    assert browser.get(f"/profiles/{profile.id}").status_code == 404
    assert browser.get(f"/charts/{metric_id}").status_code == 404
    assert "secret@example.com" not in browser.get("/profiles?q=secret").text
    assert "Placed Order" not in browser.get("/charts").text
    assert account.public_key not in browser.get("/keys").text


@pytest.mark.parametrize(
    "path",
    ["/charts?from=nope", "/charts/1?unit=year", "/charts/1?top=0", "/profiles/1?before=x"],
)
def test_bad_parameters_get_a_clear_400(
    client: TestClient, account: CreatedAccount, worker: Worker, path: str
) -> None:
    assert client.get("/api/track", params={"data": b64(track(account.public_key))}).text == "1"
    worker.drain()
    sign_in(client, private_key=account.private_key)
    response = client.get(path)
    assert response.status_code == 400
    assert 'role="alert"' in response.text


def test_profile_page_shows_merges_and_pages_its_timeline(
    client: TestClient, account: CreatedAccount, store: Store, worker: Worker
) -> None:
    for second in range(30):
        payload = track(account.public_key, email="ada@example.com", time=1_700_000_000 + second)
        assert client.get("/api/track", params={"data": b64(payload)}).text == "1"
    for properties in ({"$id": "ext-1"}, {"$id": "ext-1", "$email": "ada@example.com"}):
        data = b64({"token": account.public_key, "properties": properties})
        assert client.get("/api/identify", params={"data": data}).text == "1"
        worker.drain()
    with store.read() as queries:
        merged = queries.all("SELECT survivor_id, absorbed_id FROM merges")
    assert len(merged) == 1
    survivor, absorbed = merged[0]
    sign_in(client, private_key=account.private_key)

    redirect = client.get(f"/profiles/{absorbed}", follow_redirects=False)
    assert redirect.headers["location"] == f"/profiles/{survivor}"
    first = client.get(f"/profiles/{survivor}").text
    assert f"absorbed profile #{absorbed}" in first and "ext-1" in first
    times = re.findall(r'<time datetime="(\d+)"', first)
    assert len(times) == 25 and times == sorted(times, reverse=True)
    older = re.search(r'href="(/profiles/\d+\?before=[\d:]+)" rel="next"', first)
    assert older is not None
    rest = re.findall(r'<time datetime="(\d+)"', client.get(older.group(1)).text)
    assert len(rest) == 5 and max(map(int, rest)) < min(map(int, times))


def test_search_finds_profiles_by_email_phone_and_id(
    client: TestClient, account: CreatedAccount, worker: Worker
) -> None:
    properties = {"$email": "Lin@Example.com", "$phone_number": "+44 20 7946 0000", "$id": "crm-9"}
    data = b64({"token": account.public_key, "properties": properties})
    assert client.get("/api/identify", params={"data": data}).text == "1"
    worker.drain()
    sign_in(client, private_key=account.private_key)
    for text in ["LIN@exa", "+44 20 7946", "crm-", "+4420794600"]:
        page = client.get("/profiles", params={"q": text}).text
        assert "lin@example.com" in page, text
    assert "lin@example.com" not in client.get("/profiles", params={"q": "nobody"}).text


def test_lists_show_members_growth_and_memberships(
    client: TestClient, account: CreatedAccount, store: Store, worker: Worker
) -> None:
    created = client.post(
        "/api/v2/lists", json={"api_key": account.private_key, "list_name": "Newsletter"}
    )
    assert created.status_code == 200, created.text
    list_id = created.json()["list_id"]
    added = client.post(
        f"/api/v2/list/{list_id}/members",
        json={
            "api_key": account.private_key,
            "profiles": [{"email": f"reader{i}@example.com"} for i in range(3)],
        },
    )
    assert added.status_code == 200, added.text
    sign_in(client, private_key=account.private_key)
    lists = client.get("/lists").text
    link = re.search(r'href="/lists/(\d+)">Newsletter</a>', lists)
    assert link is not None and re.search(r'class="num">3</td>', lists)
    page = client.get(f"/lists/{link.group(1)}").text
    assert 'data-testid="member-count">3<' in page
    assert page.count("@example.com") == 3
    growth = re.search(r'id="growth-chart-data">(.*?)</script>', page)
    assert growth is not None and '"values":[' in growth.group(1)
    assert growth.group(1).endswith("3]}]}")  # three members at the end of today
    member = re.search(r'href="/profiles/(\d+)">', page)
    assert member is not None
    assert "Newsletter" in client.get(f"/profiles/{member.group(1)}").text

    other = do_create_account(store, "Other shop")
    browser = other_client(client)
    sign_in(browser, private_key=other.private_key)
    assert browser.get(f"/lists/{link.group(1)}").status_code == 404
    assert "Newsletter" not in browser.get("/lists").text
