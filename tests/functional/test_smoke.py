from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount
from cairn.pipeline.worker import Worker
from cairn.store import Store
from support.live import LiveServer
from support.payloads import b64, track


def test_track_is_applied_by_worker(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    response = client.get("/api/track", params={"data": b64(track(account.public_key))})
    assert response.text == "1"
    assert worker.drain() == 1
    with store.read() as queries:
        profile = queries.profile_by_identifier(account.account_id, "email", "a@example.com")
    assert profile is not None


def test_live_server_answers(live_server: LiveServer) -> None:
    import httpx

    response = httpx.get(
        f"{live_server.base_url}/api/track", params={"data": b64(track(live_server.public_key))}
    )
    assert response.text == "1"
