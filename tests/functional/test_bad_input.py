"""A corpus of malformed Track/Identify requests: each gets `0` with HTTP 200, the server keeps
serving, and nothing in the store changes except that a refused payload of a known account is
kept among its rejected."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount
from cairn.ingest.views import IngestApp
from cairn.pipeline.worker import Worker
from cairn.store import Store
from support.payloads import b64, identify, track

# Nine levels: inside `properties` of a payload, the innermost object is at level 11.
DEEP: Any = {}
for _ in range(8):
    DEEP = {"k": DEEP}


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def b64_bytes(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@dataclass(frozen=True)
class Bad:
    """One malformed request. `build(token)` returns httpx request arguments (plus an optional
    `url_suffix`); `kept` says the payload names a known account, so the refusal is stored
    among its rejected with `reason`."""

    name: str
    reason: str
    build: Callable[[str], dict[str, Any]]
    method: str = "GET"
    path: str = "/api/track"
    kept: bool = False


def get_data(data: str) -> Callable[[str], dict[str, Any]]:
    return lambda token: {"params": {"data": data}}


def get_payload(make: Callable[[str], object]) -> Callable[[str], dict[str, Any]]:
    return lambda token: {"params": {"data": b64_bytes(orjson.dumps(make(token)))}}


def post(
    name: str, reason: str, make: Callable[[str], bytes], content_type: str | None = FORM
) -> Bad:
    """A POST of the body `make(token)`, with that content type (None: no header)."""
    headers = {} if content_type is None else {"content-type": content_type}
    return Bad(name, reason, lambda t: {"content": make(t), "headers": headers}, method="POST")


def post_fields(name: str, reason: str, fields: Callable[[str], dict[str, str]]) -> Bad:
    """A POST of url-encoded form fields."""
    return Bad(name, reason, lambda t: {"data": fields(t)}, method="POST")


def kept(name: str, reason: str, make: Callable[[str], object], path: str = "/api/track") -> Bad:
    """A payload of the known account that ingest refuses: it is kept among the rejected."""
    return Bad(name, reason, get_payload(make), path=path, kept=True)


def over_1_mb(token: str) -> bytes:
    return orjson.dumps(track(token, properties={"blob": "x" * (1024 * 1024)}))


CORPUS = [
    # --- data that does not decode ---
    Bad("not-base64", "data is neither JSON nor base64", get_data("!!not*base64!!")),
    Bad("base64-one-char-too-many", "data is neither JSON nor base64", get_data("eyJ0b")),
    Bad("only-padding", "data is neither JSON nor base64", get_data("====")),
    Bad("base64-of-broken-json", "data is not valid JSON", get_data(b64_bytes(b'{"token": '))),
    Bad(
        "base64-of-single-quotes",
        "data is not valid JSON",
        get_data(b64_bytes(b"{'token': 'abc'}")),
    ),
    Bad(
        "base64-of-nan",
        "data is not valid JSON",
        lambda t: {"params": {"data": b64_bytes(b'{"token": "%s", "x": NaN}' % t.encode())}},
    ),
    Bad(
        "base64-of-invalid-utf8",
        "data is not valid JSON",
        get_data(b64_bytes(b'{"token": "\xff\xfe", "event": "E"}')),
    ),
    Bad(
        "lone-surrogate-escape",
        "data is not valid JSON",
        get_data(b64_bytes(b'{"token": "\\ud800", "event": "E"}')),
    ),
    Bad(
        "percent-encoded-invalid-utf8",
        "data is not valid JSON",
        lambda t: {"url_suffix": "?data=%7B%22token%22%3A%22%ff%fe%22%7D"},
    ),
    post(
        "form-body-raw-invalid-utf8",
        "data is not valid JSON",
        lambda t: b'data={"token": "\xff\xfe", "event": "E"}',
    ),
    post_fields(
        "raw-json-trailing-comma",
        "data is not valid JSON",
        lambda t: {"data": f'{{"token": "{t}", "event": "E",}}'},
    ),
    post_fields(
        "raw-json-cut-short",
        "data is not valid JSON",
        lambda t: {"data": f'{{"token": "{t}", "event": '},
    ),
    post("nesting-beyond-the-parser", "data is not valid JSON", lambda t: b"[" * 600_000, JSON),
    # --- JSON that is not an object ---
    Bad("array", "payload is not a JSON object", get_payload(lambda t: [track(t)])),
    Bad("string", "payload is not a JSON object", get_data(b64_bytes(b'"hello"'))),
    Bad("number", "payload is not a JSON object", get_data(b64_bytes(b"42"))),
    Bad("null", "payload is not a JSON object", get_data(b64_bytes(b"null"))),
    Bad("boolean", "payload is not a JSON object", get_data(b64_bytes(b"true"))),
    post(
        "json-body-array",
        "payload is not a JSON object",
        lambda t: orjson.dumps([track(t)]),
        JSON,
    ),
    # --- no data at all ---
    Bad("no-data-parameter", "data is missing", lambda t: {"params": {"test": "0"}}),
    Bad("empty-data", "data is empty", get_data("")),
    Bad("blank-data", "data is empty", get_data("   ")),
    post_fields("form-without-data", "data is missing", lambda t: {"date": b64(track(t))}),
    post("empty-post-body", "data is missing", lambda t: b""),
    post("empty-json-body", "data is empty", lambda t: b"", JSON),
    post(
        "garbage-content-type",
        "data is missing",
        lambda t: orjson.dumps(track(t)),
        "application/x-garbage",
    ),
    post("no-content-type", "data is missing", lambda t: orjson.dumps(track(t)), None),
    post(
        "multipart-without-boundary",
        "multipart body is malformed",
        lambda t: b"--x\r\n",
        "multipart/form-data",
    ),
    post(
        "multipart-cut-short",
        "data is missing",
        lambda t: b'--xyz\r\nContent-Disposition: form-data; name="data"\r\n\r\n{"tok',
        "multipart/form-data; boundary=xyz",
    ),
    Bad(
        "huge-query-without-data",
        "data is missing",
        lambda t: {"params": {f"k{n}": "v" * 20 for n in range(2000)}},
    ),
    Bad("huge-garbage-data", "data is neither JSON nor base64", get_data("a" * 60_001)),
    # --- size ---
    post("over-1-mb-json-body", "payload is over 1 MB", over_1_mb, JSON),
    post_fields(
        "over-1-mb-base64-form",
        "payload is over 1 MB",
        lambda t: {"data": b64_bytes(over_1_mb(t))},
    ),
    post(
        "body-over-3-mb",
        "payload is over 1 MB",
        lambda t: b"data=" + b"x" * (3 * 1024 * 1024 + 8192),
    ),
    # --- the token ---
    Bad(
        "token-missing",
        "token is missing",
        get_payload(lambda t: {"event": "E", "customer_properties": {"$email": "a@x.io"}}),
    ),
    Bad("token-empty", "token is missing", get_payload(lambda t: track(""))),
    Bad("token-number", "token is missing", get_payload(lambda t: {**track(t), "token": 123456})),
    Bad("token-null", "token is missing", get_payload(lambda t: {**track(t), "token": None})),
    Bad("token-unknown", "token is unknown", get_payload(lambda t: track("XXXXXX"))),
    Bad("token-unknown-long", "token is unknown", get_payload(lambda t: track("Z" * 5000))),
    Bad("private-key-as-token", "token is unknown", get_payload(lambda t: track("pk_" + t))),
    # --- a known account, but fields that cannot be applied: kept as rejected ---
    kept(
        "event-missing", "event name is missing", lambda t: {"token": t, "customer_properties": {}}
    ),
    kept("event-empty", "event name is missing", lambda t: track(t, event="")),
    kept("event-blank", "event name is missing", lambda t: track(t, event=" \t ")),
    kept("event-number", "event name is missing", lambda t: {**track(t), "event": 7}),
    kept("event-null", "event name is missing", lambda t: {**track(t), "event": None}),
    kept("event-object", "event name is missing", lambda t: {**track(t), "event": {"n": "E"}}),
    kept(
        "customer-properties-string",
        "customer_properties is not an object",
        lambda t: {**track(t), "customer_properties": "a@x.io"},
    ),
    kept(
        "customer-properties-list",
        "customer_properties is not an object",
        lambda t: {**track(t), "customer_properties": [{"$email": "a@x.io"}]},
    ),
    kept(
        "properties-number", "properties is not an object", lambda t: {**track(t), "properties": 5}
    ),
    kept(
        "identify-properties-string",
        "properties is not an object",
        lambda t: {"token": t, "properties": "a@x.io"},
        "/api/identify",
    ),
    kept(
        "identify-properties-list",
        "properties is not an object",
        lambda t: {"token": t, "properties": [1, 2]},
        "/api/identify",
    ),
    kept(
        "depth-11",
        "nesting is deeper than 10 levels",
        lambda t: identify(t, **{"$email": "a@x.io", "deep": DEEP}),
        "/api/identify",
    ),
    kept(
        "301-keys",
        "an object has more than 300 properties",
        lambda t: identify(t, **{f"p{n}": n for n in range(301)}),
        "/api/identify",
    ),
    kept(
        "301-keys-in-event-properties",
        "an object has more than 300 properties",
        lambda t: track(t, properties={"items": [{f"p{n}": n for n in range(301)}]}),
    ),
    # --- the request itself ---
    Bad("method-put", "method is not GET or POST", get_payload(track), method="PUT"),
    Bad("method-delete", "method is not GET or POST", get_payload(track), method="DELETE"),
    Bad(
        "method-patch",
        "method is not GET or POST",
        lambda t: {"data": {"data": b64(track(t))}},
        method="PATCH",
    ),
]


def send(client: TestClient, bad: Bad, token: str) -> tuple[int, str]:
    arguments = bad.build(token)
    url = bad.path + arguments.pop("url_suffix", "")
    response = client.request(bad.method, url, **arguments)
    return response.status_code, response.text


def state(store: Store, account: CreatedAccount) -> dict[str, int]:
    with store.read() as queries:
        counts = queries.counts(account.account_id)
    return {**counts, "inbox": store.inbox_depth()}


def test_the_corpus_is_large_and_its_names_are_unique() -> None:
    assert len(CORPUS) >= 40
    assert len({bad.name for bad in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("bad", CORPUS, ids=[bad.name for bad in CORPUS])
def test_malformed_request_gets_0_and_changes_nothing_else(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store, bad: Bad
) -> None:
    token = account.public_key
    assert client.get("/api/track", params={"data": b64(track(token, "Seen"))}).text == "1"
    worker.drain()
    before = state(store, account)
    app = client.app
    assert isinstance(app, IngestApp)

    assert send(client, bad, token) == (200, "0")
    assert app.refusals[bad.reason] == 1, dict(app.refusals)
    worker.drain()

    after = state(store, account)
    kept = 1 if bad.kept else 0
    assert after == {**before, "rejected": before["rejected"] + kept}
    if bad.kept:
        with store.read() as queries:
            [rejection] = queries.rejections(account.account_id)
        assert rejection.reason == bad.reason
        assert orjson.loads(rejection.payload)["token"] == token

    # The server still serves: a good request is accepted and applied.
    good = track(token, "Still Serving", time=1_600_000_000)
    assert client.get("/api/track", params={"data": b64(good)}).text == "1"
    worker.drain()
    assert state(store, account)["events"] == before["events"] + 1


def test_the_whole_corpus_in_a_row_leaves_the_server_serving(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    token = account.public_key
    for bad in CORPUS:
        assert send(client, bad, token) == (200, "0"), bad.name
    worker.drain()
    kept = sum(1 for bad in CORPUS if bad.kept)
    assert state(store, account) == {
        "profiles": 0,
        "events": 0,
        "metrics": 0,
        "merges": 0,
        "identity_conflicts": 0,
        "rejected": kept,
        "inbox": 0,
    }
    assert (
        client.get("/api/identify", params={"data": b64(identify(token, email="a@x.io"))}).text
        == "1"
    )
    worker.drain()
    assert state(store, account)["profiles"] == 1
