"""Rejected payloads are listable per account, newest first."""

import pytest
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount, do_create_account
from cairn.api import rejected
from cairn.pipeline.worker import Worker
from cairn.store import Store
from support.api import Rest
from support.payloads import b64


def test_rejections_show_reason_time_and_raw_payload(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    other = do_create_account(store, "Other")
    no_identifier = {"token": account.public_key, "event": "E", "customer_properties": {}}
    bad_time = {
        "token": account.public_key,
        "event": "E",
        "customer_properties": {"$email": "a@x.com"},
        "time": "soon",
    }
    elsewhere = {"token": other.public_key, "event": "E", "customer_properties": {}}
    for payload in (no_identifier, bad_time, elsewhere):
        assert client.get("/api/track", params={"data": b64(payload)}).text == "1"
    worker.drain()
    page = Rest(client, account).v2("GET", "/api/v2/rejected").json()
    assert [r["reason"] for r in page["records"]] == [
        "time is not a unix timestamp",
        "no identifier ($email, $phone_number, $id or $exchange_id)",
    ]
    assert page["records"][0]["kind"] == "track"
    assert '"time":"soon"' in page["records"][0]["payload"]
    assert page["records"][0]["received"].endswith("Z")
    assert "marker" not in page


def test_rejections_page_by_marker(
    client: TestClient, account: CreatedAccount, worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rejected, "PAGE_SIZE", 2)
    for index in range(5):
        payload = {"token": account.public_key, "event": f"E{index}", "customer_properties": {}}
        client.get("/api/track", params={"data": b64(payload)})
    worker.drain()
    rest = Rest(client, account)
    first = rest.v2("GET", "/api/v2/rejected").json()
    second = rest.v2("GET", "/api/v2/rejected", {"marker": first["marker"]}).json()
    third = rest.v2("GET", "/api/v2/rejected", {"marker": second["marker"]}).json()
    ids_seen = [r["id"] for page in (first, second, third) for r in page["records"]]
    assert ids_seen == sorted(ids_seen, reverse=True)
    assert len(set(ids_seen)) == 5
    assert "marker" not in third
