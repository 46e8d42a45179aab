"""Batch Track & Identify over HTTP: JSON arrays and NDJSON, per-item verdicts, limits, gzip."""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount
from cairn.inbox.group_commit import GroupCommitter
from cairn.ingest.batch import MAX_BATCH_BYTES, MAX_BATCH_ITEMS
from cairn.pipeline.worker import Worker
from cairn.store import Store
from support.locks import inbox_write_lock
from support.payloads import identify, track

NDJSON = {"content-type": "application/x-ndjson"}


def ndjson(payloads: list[dict[str, Any]]) -> bytes:
    return b"\n".join(orjson.dumps(payload) for payload in payloads) + b"\n"


def post(
    client: TestClient, path: str, body: bytes, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    response = client.post(path, content=body, headers=headers or {})
    assert response.headers["content-type"] == "application/json"
    return response.status_code, response.json()


def counts(store: Store, account: CreatedAccount) -> dict[str, int]:
    with store.read() as queries:
        return queries.counts(account.account_id)


def committer(client: TestClient) -> GroupCommitter:
    return client.app.committer  # type: ignore[attr-defined,no-any-return]


def test_a_json_array_of_tracks_is_committed_at_once_and_applied(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    payloads = [track(account.public_key, "Viewed", f"p{i}@example.com") for i in range(50)]
    commits = committer(client).commits
    status, answer = post(client, "/api/track/batch", orjson.dumps(payloads))
    assert (status, answer) == (200, {"accepted": 50, "rejected": []})
    assert committer(client).commits == commits + 1
    assert worker.drain() == 50
    assert counts(store, account) == {
        "profiles": 50,
        "events": 50,
        "metrics": 1,
        "merges": 0,
        "identity_conflicts": 0,
        "rejected": 0,
    }


def test_ndjson_identifies_are_applied(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    payloads = [identify(account.public_key, **{"$email": f"n{i}@x.io", "i": i}) for i in range(3)]
    status, answer = post(client, "/api/identify/batch", ndjson(payloads), NDJSON)
    assert (status, answer) == (200, {"accepted": 3, "rejected": []})
    assert worker.drain() == 3
    with store.read() as queries:
        row = queries.profile_by_identifier(account.account_id, "email", "n2@x.io")
    assert row is not None and row.properties["i"] == 2


def test_mixed_items_each_get_their_own_verdict(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    key = account.public_key
    lines = [
        orjson.dumps(track(key, "Good", "a@x.io")),
        b"{not json",
        orjson.dumps({"event": "No token"}),
        orjson.dumps(track("unknown-key", "Stray")),
        orjson.dumps({"token": key, "customer_properties": {"$email": "b@x.io"}}),
        b"[1, 2]",
        orjson.dumps(track(key, "Also good", "c@x.io")),
    ]
    status, answer = post(client, "/api/track/batch", b"\n".join(lines), NDJSON)
    assert status == 200
    assert answer == {
        "accepted": 2,
        "rejected": [
            {"index": 1, "reason": "data is not valid JSON"},
            {"index": 2, "reason": "token is missing"},
            {"index": 3, "reason": "token is unknown"},
            {"index": 4, "reason": "event name is missing"},
            {"index": 5, "reason": "payload is not a JSON object"},
        ],
    }
    worker.drain()
    found = counts(store, account)
    # Only the refusal with this account's key is kept among its rejected.
    assert (found["events"], found["rejected"]) == (2, 1)
    with store.read() as queries:
        assert [r.reason for r in queries.rejections(account.account_id)] == [
            "event name is missing"
        ]


def test_array_items_that_are_not_objects_are_rejected_by_index(
    client: TestClient, account: CreatedAccount
) -> None:
    body = orjson.dumps([track(account.public_key), 7, "x", identify(account.public_key)])
    status, answer = post(client, "/api/track/batch", body)
    assert status == 200 and answer["accepted"] == 1
    assert [r["index"] for r in answer["rejected"]] == [1, 2, 3]
    assert answer["rejected"][2]["reason"] == "event name is missing"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "body is neither a JSON array nor NDJSON"),
        (b"hello", "body is neither a JSON array nor NDJSON"),
        (b"[1, 2", "body is neither a JSON array nor NDJSON"),
        (b"[]", "the batch is empty"),
    ],
)
def test_a_malformed_body_is_400_with_a_message(
    client: TestClient, body: bytes, message: str
) -> None:
    assert post(client, "/api/track/batch", body) == (400, {"message": message})


def test_more_than_1000_payloads_is_400_and_nothing_is_kept(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    payloads = [track(account.public_key)] * (MAX_BATCH_ITEMS + 1)
    status, answer = post(client, "/api/track/batch", orjson.dumps(payloads))
    assert status == 400 and "at most 1000" in answer["message"]
    status, answer = post(client, "/api/track/batch", ndjson(payloads), NDJSON)
    assert status == 400 and "at most 1000" in answer["message"]
    assert worker.drain() == 0
    status, answer = post(client, "/api/track/batch", orjson.dumps(payloads[:MAX_BATCH_ITEMS]))
    assert (status, answer["accepted"]) == (200, MAX_BATCH_ITEMS)


def test_a_body_over_5_mb_is_400(client: TestClient, account: CreatedAccount) -> None:
    blob = "x" * (MAX_BATCH_BYTES // 5)
    payloads = [track(account.public_key, properties={"blob": blob}) for _ in range(6)]
    status, answer = post(client, "/api/track/batch", orjson.dumps(payloads))
    assert (status, answer) == (400, {"message": "the batch is over 5 MB"})


def test_get_is_405(client: TestClient) -> None:
    response = client.get("/api/track/batch")
    assert response.status_code == 405 and "POST" in response.json()["message"]


def test_a_gzipped_batch_is_accepted(
    client: TestClient, account: CreatedAccount, worker: Worker
) -> None:
    body = gzip.compress(ndjson([track(account.public_key, email=f"g{i}@x.io") for i in range(20)]))
    status, answer = post(client, "/api/track/batch", body, NDJSON | {"content-encoding": "gzip"})
    assert (status, answer) == (200, {"accepted": 20, "rejected": []})
    assert worker.drain() == 20


def gzip_bomb(size: int) -> bytes:
    """`size` zero bytes, gzipped: about a thousandth of that on the wire."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + compressor.flush()


def test_a_gzip_bomb_is_refused_without_being_expanded(client: TestClient) -> None:
    bomb = gzip_bomb(256 * 1024 * 1024)  # 256 MB of zeros in about 256 KB
    assert len(bomb) < 512 * 1024
    status, answer = post(client, "/api/track/batch", bomb, {"content-encoding": "gzip"})
    assert (status, answer) == (400, {"message": "the batch is over 5 MB"})
    single = client.post(
        "/api/track",
        content=bomb,
        headers={"content-encoding": "gzip", "content-type": "application/json"},
    )
    assert (single.status_code, single.text) == (200, "0")
    assert client.app.refusals["payload is over 1 MB"] == 1  # type: ignore[attr-defined]


def test_broken_gzip_and_unknown_encodings_are_400(client: TestClient) -> None:
    body = b"[]"
    assert post(client, "/api/track/batch", body, {"content-encoding": "gzip"}) == (
        400,
        {"message": "gzip body is malformed"},
    )
    truncated = gzip.compress(b'[{"token": "k"}]')[:-12]
    assert post(client, "/api/track/batch", truncated, {"content-encoding": "gzip"}) == (
        400,
        {"message": "gzip body is truncated"},
    )
    status, answer = post(client, "/api/track/batch", body, {"content-encoding": "br"})
    assert status == 400 and "'br' is not supported" in answer["message"]


def test_a_gzipped_single_track_is_accepted(
    client: TestClient, account: CreatedAccount, worker: Worker
) -> None:
    raw = orjson.dumps(track(account.public_key, email="single@x.io"))
    response = client.post(
        "/api/track",
        content=gzip.compress(raw),
        headers={"content-encoding": "gzip", "content-type": "application/json"},
    )
    assert (response.status_code, response.text) == (200, "1")
    form = client.post(
        "/api/identify",
        content=gzip.compress(
            b"data=" + orjson.dumps(identify(account.public_key, **{"$email": "f@x.io"}))
        ),
        headers={"content-encoding": "gzip", "content-type": "application/x-www-form-urlencoded"},
    )
    assert (form.status_code, form.text) == (200, "1")
    assert worker.drain() == 2


def test_a_locked_inbox_answers_503_and_nothing_is_accepted(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    body = orjson.dumps([track(account.public_key), track(account.public_key, "x", "b@x.io")])
    with inbox_write_lock(store):  # longer than the busy timeout
        status, answer = post(client, "/api/track/batch", body)
        assert status == 503 and "unavailable" in answer["message"]
    assert worker.drain() == 0
    assert post(client, "/api/track/batch", body) == (200, {"accepted": 2, "rejected": []})
    assert worker.drain() == 2
