"""Track & Identify over HTTP, every request form, then what the worker made of it."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import httpx2
import orjson
import pytest
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount
from cairn.ingest.views import PIXEL
from cairn.pipeline.worker import Worker
from cairn.store import Store
from cairn.store.records import ProfileRow
from support.locks import inbox_write_lock
from support.payloads import b64, identify, track

# Klaviyo's own GET examples, byte for byte (token "PUBLIC_KEY"); the identify one encodes a
# trailing newline, so it ends in `K`.
DOCS_TRACK = (
    "eyJ0b2tlbiI6ICJQVUJMSUNfS0VZIiwiZXZlbnQiOiAiT3JkZXJlZEl0ZW0iLCJjdXN0b21lcl9wcm9wZXJ0aWVz"
    "IjogeyIkZW1haWwiOiAiYWJyYWhhbS5saW5jb2xuQGtsYXZpeW8uY29tIn0sInByb3BlcnRpZXMiOiB7Iml0ZW1f"
    "bmFtZSI6ICJCb290cyIsIiR2YWx1ZSI6IDEwMH19"
)
DOCS_IDENTIFY = (
    "eyJ0b2tlbiI6ICJQVUJMSUNfS0VZIiwicHJvcGVydGllcyI6IHsiJGVtYWlsIjogImFicmFoYW0ubGluY29sbkBr"
    "bGF2aXlvLmNvbSIsIiRmaXJzdF9uYW1lIjogIkFicmFoYW0iLCIkbGFzdF9uYW1lIjogIkxpbmNvbG4iLCIkY2l0"
    "eSI6ICJTcHJpbmdmaWVsZCIsIiRyZWdpb24iOiAiSWxsaW5vaXMifX0K"
)


def get(client: TestClient, path: str, payload: dict[str, Any], **params: str) -> str:
    response = client.get(path, params={"data": b64(payload), **params})
    assert response.status_code == 200
    return response.text


def profile(store: Store, account: CreatedAccount, kind: str, value: str) -> ProfileRow:
    with store.read() as queries:
        row = queries.profile_by_identifier(account.account_id, kind, value)
    assert row is not None, f"no profile with {kind} {value}"
    return row


def counts(store: Store, account: CreatedAccount) -> dict[str, int]:
    with store.read() as queries:
        return queries.counts(account.account_id)


def reasons(store: Store, account: CreatedAccount) -> list[str]:
    with store.read() as queries:
        return [r.reason for r in queries.rejections(account.account_id)]


# --- request forms ---------------------------------------------------------------------------


def test_get_with_base64_data_is_queued_and_applied(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    payload = track(
        account.public_key,
        "Viewed Product",
        "Abe@Example.com",
        properties={"ProductID": 17, "$value": 9.5},
        time=1_400_656_845,
    )
    response = client.get("/api/track", params={"data": b64(payload)})
    assert (response.status_code, response.text) == (200, "1")
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["access-control-allow-origin"] == "*"
    assert worker.drain() == 1
    abe = profile(store, account, "email", "abe@example.com")
    with store.read() as queries:
        [event] = queries.events(account.account_id, abe.id)
    assert (event.metric, event.time, event.value) == ("Viewed Product", 1_400_656_845, 9.5)
    assert event.properties == {"ProductID": 17, "$value": 9.5}


# Five of each, so that some aligned triple encodes to "Pz8/" and "Pj4+" ("Pz8_", "Pj4-").
ALPHABET_PROBE = "?????>>>>> & A+B"
Send = Callable[[TestClient, str, bytes], httpx2.Response]


def _b64(raw: bytes, *, url_safe: bool = False) -> str:
    return (base64.urlsafe_b64encode if url_safe else base64.b64encode)(raw).decode()


FORMS: dict[str, Send] = {
    "get-base64": lambda c, path, raw: c.get(path, params={"data": _b64(raw)}),
    "get-url-safe-unpadded-newline": lambda c, path, raw: c.get(
        path, params={"data": _b64(raw + b"\n", url_safe=True).rstrip("=") + "\n"}
    ),
    "get-plus-unescaped": lambda c, path, raw: c.get(f"{path}?data={_b64(raw)}"),
    "get-raw-json": lambda c, path, raw: c.get(path, params={"data": raw.decode()}),
    "post-form-raw-json": lambda c, path, raw: c.post(path, data={"data": raw.decode()}),
    "post-form-base64": lambda c, path, raw: c.post(path, data={"data": _b64(raw)}),
    "post-json": lambda c, path, raw: c.post(
        path, content=raw, headers={"content-type": "application/json; charset=utf-8"}
    ),
    "multipart": lambda c, path, raw: c.post(
        path, data={"data": raw.decode(), "i": "0"}, files={"unused": ("a.txt", b"ignored")}
    ),
    "multipart-base64": lambda c, path, raw: c.post(
        path, data={"data": _b64(raw)}, files={"unused": ("a.txt", b"")}
    ),
}


def test_the_probe_uses_every_base64_character_that_needs_care() -> None:
    raw = orjson.dumps(identify("abcdef", q=ALPHABET_PROBE))
    assert {"+", "/"} <= set(_b64(raw))
    assert {"-", "_"} <= set(_b64(raw, url_safe=True))


@pytest.mark.parametrize("form", FORMS)
def test_identify_in_every_request_form(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store, form: str
) -> None:
    payload = identify(account.public_key, **{"$email": "form@example.com", "q": ALPHABET_PROBE})
    response = FORMS[form](client, "/api/identify", orjson.dumps(payload))
    assert (response.status_code, response.text) == (200, "1")
    worker.drain()
    assert profile(store, account, "email", "form@example.com").properties == {
        "$email": "form@example.com",
        "q": ALPHABET_PROBE,
    }


@pytest.mark.parametrize("form", FORMS)
def test_track_in_every_request_form(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store, form: str
) -> None:
    payload = track(
        account.public_key, "Started Checkout", "form@example.com", properties={"q": ALPHABET_PROBE}
    )
    response = FORMS[form](client, "/api/track", orjson.dumps(payload))
    assert (response.status_code, response.text) == (200, "1")
    worker.drain()
    form_profile = profile(store, account, "email", "form@example.com")
    with store.read() as queries:
        [event] = queries.events(account.account_id, form_profile.id)
    assert (event.metric, event.properties) == ("Started Checkout", {"q": ALPHABET_PROBE})


def test_klaviyo_docs_examples_decode_byte_for_byte(
    client: TestClient, worker: Worker, store: Store
) -> None:
    with store.transaction() as queries:
        account_id = queries.insert_account("Docs", "PUBLIC_KEY", time.time())
    assert client.get(f"/api/track?data={DOCS_TRACK}").text == "1"
    assert client.get(f"/api/identify?data={DOCS_IDENTIFY}").text == "1"
    assert worker.drain() == 2
    with store.read() as queries:
        abe = queries.profile_by_identifier(account_id, "email", "abraham.lincoln@klaviyo.com")
        assert abe is not None
        [event] = queries.events(account_id, abe.id)
    assert abe.properties == {
        "$email": "abraham.lincoln@klaviyo.com",
        "$first_name": "Abraham",
        "$last_name": "Lincoln",
        "$city": "Springfield",
        "$region": "Illinois",
    }
    assert (event.metric, event.value) == ("OrderedItem", 100)
    assert event.properties == {"item_name": "Boots", "$value": 100}


# --- test=1, i=1, tokens ---------------------------------------------------------------------


def test_test_mode_validates_but_stores_nothing(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    assert get(client, "/api/track", track(account.public_key), test="1") == "1"
    assert get(client, "/api/track", track(account.public_key, event=""), test="1") == "0"
    assert get(client, "/api/track", track("nope00"), test="1") == "0"
    assert store.inbox_depth() == 0
    assert worker.drain() == 0
    assert counts(store, account) == counts_of_nothing()


def counts_of_nothing() -> dict[str, int]:
    return dict.fromkeys(
        ("profiles", "events", "metrics", "merges", "identity_conflicts", "rejected"), 0
    )


@pytest.mark.parametrize("good", [True, False])
def test_pixel_mode_answers_a_gif_whatever_happened(
    client: TestClient, account: CreatedAccount, good: bool
) -> None:
    payload = track(account.public_key) if good else {"token": account.public_key}
    response = client.get("/api/track", params={"data": b64(payload), "i": "1"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/gif"
    assert response.content == PIXEL
    assert response.content.startswith(b"GIF89a")


def test_unknown_token_gets_0_and_nothing_is_queued(
    client: TestClient, account: CreatedAccount, store: Store
) -> None:
    assert get(client, "/api/track", track("XXXXXX")) == "0"
    assert get(client, "/api/identify", identify("", **{"$email": "a@x.io"})) == "0"
    assert store.inbox_depth() == 0


# --- identity through HTTP -------------------------------------------------------------------


def test_plain_and_dollar_spellings_reach_the_same_profile(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    token = account.public_key
    assert get(client, "/api/identify", identify(token, email=" Same@Example.com", id=7)) == "1"
    assert (
        get(
            client,
            "/api/identify",
            identify(token, **{"$email": "same@example.com", "$first_name": "Sam"}),
        )
        == "1"
    )
    payload = {"token": token, "event": "Paid", "customer_properties": {"$id": "7"}}
    assert get(client, "/api/track", payload) == "1"
    worker.drain()
    same = profile(store, account, "email", "same@example.com")
    assert same.properties == {"$email": "same@example.com", "$id": "7", "$first_name": "Sam"}
    assert profile(store, account, "external_id", "7").id == same.id
    assert counts(store, account)["profiles"] == 1


def test_identify_stores_a_null_value_as_null(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    token = account.public_key
    get(client, "/api/identify", identify(token, **{"$email": "n@x.io", "Plan": "Premium"}))
    get(client, "/api/identify", identify(token, **{"$email": "n@x.io", "Plan": None}))
    worker.drain()
    properties = profile(store, account, "email", "n@x.io").properties
    assert "Plan" in properties
    assert properties["Plan"] is None


def test_identify_ties_two_profiles_together_and_merges_them(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    token = account.public_key
    get(client, "/api/identify", identify(token, **{"$email": "m@x.io", "tier": "gold"}))
    get(
        client,
        "/api/track",
        {
            "token": token,
            "event": "Opened",
            "time": 1_600_000_000,
            "customer_properties": {"$email": "m@x.io"},
        },
    )
    get(
        client,
        "/api/track",
        {
            "token": token,
            "event": "Paid",
            "time": 1_600_000_100,
            "customer_properties": {"$id": "u-9", "city": "Ulm"},
        },
    )
    worker.drain()
    by_email = profile(store, account, "email", "m@x.io")
    by_id = profile(store, account, "external_id", "u-9")
    assert by_email.id != by_id.id

    assert get(client, "/api/identify", identify(token, email="m@x.io", id="u-9")) == "1"
    worker.drain()
    survivor = profile(store, account, "email", "m@x.io")
    assert survivor.id == by_email.id  # email outranks the external id
    assert profile(store, account, "external_id", "u-9").id == survivor.id
    assert survivor.properties == {"$email": "m@x.io", "$id": "u-9", "tier": "gold", "city": "Ulm"}
    with store.read() as queries:
        assert [e.metric for e in queries.events(account.account_id, survivor.id)] == [
            "Opened",
            "Paid",
        ]
        assert queries.events(account.account_id, by_id.id) == []
        assert queries.merges(account.account_id) == [(survivor.id, by_id.id)]
        redirected = queries.profile_by_id(account.account_id, by_id.id)
    assert redirected is not None and redirected.id == survivor.id
    assert counts(store, account)["profiles"] == 1


def test_two_different_emails_block_the_merge_and_record_a_conflict(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    token = account.public_key
    get(client, "/api/identify", identify(token, **{"$email": "one@x.io"}))
    get(client, "/api/identify", identify(token, **{"$email": "two@x.io", "$id": "u-2"}))
    worker.drain()
    get(
        client,
        "/api/identify",
        identify(token, **{"$email": "one@x.io", "$id": "u-2", "source": "checkout"}),
    )
    worker.drain()
    one = profile(store, account, "email", "one@x.io")
    two = profile(store, account, "email", "two@x.io")
    assert one.id != two.id
    assert one.properties == {"$email": "one@x.io", "source": "checkout"}
    assert two.properties == {"$email": "two@x.io", "$id": "u-2"}
    with store.read() as queries:
        assert queries.merges(account.account_id) == []
        assert queries.identity_conflicts(account.account_id) == [(one.id, two.id, "email")]


# --- dedupe and track once -------------------------------------------------------------------


def test_a_repeated_event_id_is_stored_once(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    token = account.public_key
    for when in (1_600_000_000, 1_600_000_500):
        get(
            client,
            "/api/track",
            track(token, "Placed Order", "d@x.io", time=when, properties={"$event_id": "order-17"}),
        )
    get(
        client,
        "/api/track",
        track(token, "Placed Order", "other@x.io", properties={"$event_id": "order-17"}),
    )
    worker.drain()
    with store.read() as queries:
        events = queries.events(account.account_id)
    assert sorted(
        (e.event_id, e.time)
        for e in events
        if e.profile_id == profile(store, account, "email", "d@x.io").id
    ) == [("order-17", 1_600_000_000)]
    assert len(events) == 2  # the same id on another profile is another event


def test_without_event_id_one_event_per_profile_and_second(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    token = account.public_key
    for when in (1_600_000_000, 1_600_000_000.6, 1_600_000_001):
        get(client, "/api/track", track(token, "Viewed", "s@x.io", time=when))
    worker.drain()
    with store.read() as queries:
        events = queries.events(account.account_id)
    assert [(e.time, e.event_id) for e in events] == [
        (1_600_000_000, "1600000000"),
        (1_600_000_001, "1600000001"),
    ]


def test_track_once_keeps_only_the_first_event(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    token = account.public_key
    for n in range(3):
        get(
            client,
            "/api/track",
            track(
                token,
                "Signed Up",
                "once@x.io",
                time=1_600_000_000 + n,
                properties={"__track_once__": True, "n": n},
            ),
        )
    get(
        client,
        "/api/track",
        track(token, "Signed Up", "else@x.io", properties={"__track_once__": True, "n": 9}),
    )
    worker.drain()
    once = profile(store, account, "email", "once@x.io")
    with store.read() as queries:
        assert [e.properties for e in queries.events(account.account_id, once.id)] == [{"n": 0}]
        assert len(queries.events(account.account_id)) == 2


# --- what cannot be applied lands in `rejected` ----------------------------------------------


def test_the_201st_metric_is_rejected_with_its_reason(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    token = account.public_key
    for n in range(201):
        assert get(client, "/api/track", track(token, f"Metric {n}", "cap@x.io")) == "1"
    again = track(token, "Metric 0", "cap@x.io", time=1_600_000_000)
    assert get(client, "/api/track", again) == "1"
    worker.drain()
    assert counts(store, account)["metrics"] == 200
    assert reasons(store, account) == ["account already has 200 metrics"]
    with store.read() as queries:
        [rejection] = queries.rejections(account.account_id)
        names = {e.metric for e in queries.events(account.account_id)}
    assert orjson.loads(rejection.payload)["event"] == "Metric 200"
    assert "Metric 200" not in names
    assert len(names) == 200


def test_a_payload_without_identifier_is_rejected_with_its_reason(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    token = account.public_key
    assert (
        get(
            client,
            "/api/track",
            {"token": token, "event": "Anon", "customer_properties": {"$first_name": "Nobody"}},
        )
        == "1"
    )
    assert get(client, "/api/identify", identify(token, **{"$email": "no-at-sign"})) == "1"
    worker.drain()
    assert (
        reasons(store, account)
        == ["no identifier ($email, $phone_number, $id or $exchange_id)"] * 2
    )
    assert counts(store, account)["profiles"] == 0


def test_an_event_time_out_of_range_is_rejected_with_its_reason(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    get(client, "/api/track", track(account.public_key, time=946_684_799))
    worker.drain()
    assert reasons(store, account) == ["time is outside 2000-01-01 … one year from now"]
    assert counts(store, account)["events"] == 0


@pytest.mark.parametrize(
    ("path", "payload", "reason"),
    [
        ("/api/track", {"customer_properties": {"$email": "r@x.io"}}, "event name is missing"),
        (
            "/api/track",
            {"event": "E", "customer_properties": ["r@x.io"]},
            "customer_properties is not an object",
        ),
        ("/api/identify", {"properties": "r@x.io"}, "properties is not an object"),
        (
            "/api/identify",
            {"properties": {"deep": [[[[[[[[[[1]]]]]]]]]]}},
            "nesting is deeper than 10 levels",
        ),
    ],
)
def test_refused_at_ingest_with_a_known_token_is_kept_as_rejected(
    client: TestClient,
    account: CreatedAccount,
    worker: Worker,
    store: Store,
    path: str,
    payload: dict[str, Any],
    reason: str,
) -> None:
    payload = {"token": account.public_key, **payload}
    assert get(client, path, payload) == "0"
    worker.drain()
    with store.read() as queries:
        [rejection] = queries.rejections(account.account_id)
    assert rejection.reason == reason
    assert rejection.kind == path.removeprefix("/api/")
    assert orjson.loads(rejection.payload) == payload
    assert counts(store, account) == {**counts_of_nothing(), "rejected": 1}


def test_a_locked_inbox_answers_503_with_0_never_1(
    client: TestClient, account: CreatedAccount, store: Store
) -> None:
    with inbox_write_lock(store):  # longer than the busy timeout
        response = client.get("/api/track", params={"data": b64(track(account.public_key))})
        assert (response.status_code, response.text) == (503, "0")
        pixel = client.get("/api/track", params={"data": b64(track(account.public_key)), "i": "1"})
        assert (pixel.status_code, pixel.content) == (503, PIXEL)
    assert get(client, "/api/track", track(account.public_key)) == "1"


@pytest.mark.parametrize(
    "form", ["post-form-raw-json", "post-form-base64", "post-json", "multipart-base64"]
)
def test_a_payload_just_under_1_mb_is_accepted_in_every_post_form(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store, form: str
) -> None:
    payload = identify(account.public_key, **{"$email": "big@x.io", "blob": "x" * 1_000_000})
    raw = orjson.dumps(payload)
    assert len(raw) < 1024 * 1024 < len(_b64(raw))
    assert FORMS[form](client, "/api/identify", raw).text == "1"
    worker.drain()
    assert profile(store, account, "email", "big@x.io").properties["blob"] == "x" * 1_000_000


def test_unencoded_utf8_in_a_form_body_is_read_as_utf8(
    client: TestClient, account: CreatedAccount, worker: Worker, store: Store
) -> None:
    # What `curl -d 'data={…}'` sends: the JSON bytes as they are, not percent-encoded.
    payload = identify(account.public_key, **{"$email": "jose@x.io", "name": "José Ñúñez 東京"})
    response = client.post(
        "/api/identify",
        content=b"data=" + orjson.dumps(payload),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.text == "1"
    worker.drain()
    assert profile(store, account, "email", "jose@x.io").properties["name"] == "José Ñúñez 東京"
