"""REST helpers for tests: a client bound to one account's private key, and event seeding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount
from cairn.pipeline.worker import Worker
from support.payloads import b64


@dataclass
class Rest:
    """Sends the account's private key as `api_key` in the query string (v1 style) unless a
    request passes its own."""

    client: TestClient
    account: CreatedAccount

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params={"api_key": self.account.private_key, **params})

    def put(self, path: str, **params: Any) -> httpx.Response:
        return self.client.put(path, params={"api_key": self.account.private_key, **params})

    def post(self, path: str, **params: Any) -> httpx.Response:
        return self.client.post(path, params={"api_key": self.account.private_key, **params})

    def v2(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        """py-sdk style: the key and every parameter in a JSON body, whatever the method."""
        payload = {"api_key": self.account.private_key, **(body or {})}
        return self.client.request(method, path, json=payload)


def track(
    client: TestClient,
    account: CreatedAccount,
    event: str,
    email: str,
    time: int,
    **properties: Any,
) -> None:
    payload = {
        "token": account.public_key,
        "event": event,
        "customer_properties": {"$email": email},
        "properties": properties,
        "time": time,
    }
    assert client.get("/api/track", params={"data": b64(payload)}).text == "1"


def identify(client: TestClient, account: CreatedAccount, **properties: Any) -> None:
    payload = {"token": account.public_key, "properties": properties}
    assert client.get("/api/identify", params={"data": b64(payload)}).text == "1"


def seed(
    client: TestClient,
    account: CreatedAccount,
    worker: Worker,
    events: list[tuple[str, str, int, dict[str, Any]]],
) -> None:
    """Track (event, email, time, properties) tuples and apply them."""
    for event, email, time, properties in events:
        track(client, account, event, email, time, **properties)
    worker.drain()


def metric_id(rest: Rest, name: str) -> str:
    metrics = rest.get("/api/v1/metrics").json()["data"]
    return next(m["id"] for m in metrics if m["name"] == name)


def person_id(rest: Rest, email: str) -> str:
    response = rest.v2("GET", "/api/v2/people/search", {"email": email})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])
