"""Track & Identify form fields over HTTP: what was sent is what the inbox keeps."""

from __future__ import annotations

from urllib.parse import quote_plus

import orjson
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount
from cairn.ingest.views import PIXEL
from cairn.store import Store
from support.payloads import b64, track

FORM = {"content-type": "application/x-www-form-urlencoded"}


def stored_payloads(store: Store) -> list[bytes]:
    with store.pipeline_batch(100) as (entries, _):
        return [entry.payload for entry in entries]


def test_percent_encoded_json_is_stored_byte_for_byte(
    client: TestClient, account: CreatedAccount, store: Store
) -> None:
    raw = orjson.dumps(
        track(account.public_key, properties={"note": 'a+b %2B "q" \\ é €', "$value": 1})
    )
    response = client.post("/api/track", content=b"data=" + quote_plus(raw).encode(), headers=FORM)
    assert response.text == "1"
    assert stored_payloads(store) == [raw]


def test_utf8_json_posted_without_encoding_is_kept_as_utf8(
    client: TestClient, account: CreatedAccount, store: Store
) -> None:
    raw = orjson.dumps(track(account.public_key, properties={"name": "José"}))
    assert b"Jos\xc3\xa9" in raw
    response = client.post("/api/track", content=b"data=" + raw, headers=FORM)
    assert response.text == "1"
    assert stored_payloads(store) == [raw]


def test_pixel_and_test_flags_are_read_from_body_and_query_string(
    client: TestClient, account: CreatedAccount, store: Store
) -> None:
    data = quote_plus(b64(track(account.public_key))).encode()
    pixel = client.post("/api/track", content=b"i=1&data=" + data, headers=FORM)
    assert pixel.content == PIXEL
    dry_run = client.post("/api/track?test=true", content=b"data=" + data, headers=FORM)
    assert dry_run.text == "1"
    assert len(stored_payloads(store)) == 1  # the pixel request only


def test_a_malformed_escape_is_kept_literally_and_refused_as_json(
    client: TestClient, account: CreatedAccount
) -> None:
    body = b'data={"token":"' + account.public_key.encode() + b'","event":"x%zz'
    response = client.post("/api/track", content=body, headers=FORM)
    assert response.text == "0"
    assert client.app.refusals["data is not valid JSON"] == 1  # type: ignore[attr-defined]
