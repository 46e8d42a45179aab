"""`/healthz`, `/readyz` and the request log on a real server."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import orjson

from cairn.ops.web import check_readiness
from cairn.store import Store
from cairn.store.postgres import PostgresStore
from cairn.store.sqlite import SqliteStore
from support.live import LiveServer, free_port
from support.observe import wait_for
from support.payloads import b64, track

NO_IDENTIFIER = "no identifier ($email, $phone_number, $id or $exchange_id)"


def test_ready_when_the_pipeline_keeps_up(live_server: LiveServer) -> None:
    assert httpx.get(f"{live_server.base_url}/healthz").status_code == 200
    ready = httpx.get(f"{live_server.base_url}/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


def test_not_ready_while_nothing_applies_the_inbox(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "live", extra_args=["--no-worker", "--ready-max-lag", "0.3"])
    server.start()
    try:
        url = server.base_url
        assert httpx.get(f"{url}/readyz").status_code == 200  # nothing waits yet
        assert (
            httpx.get(f"{url}/api/track", params={"data": b64(track(server.public_key))}).text
            == "1"
        )
        time.sleep(0.5)
        answer = httpx.get(f"{url}/readyz")
        assert answer.status_code == 503
        assert answer.json()["status"] == "pipeline lagging"
        assert answer.json()["inbox_depth"] == 1
        assert httpx.get(f"{url}/healthz").status_code == 200  # up, only not ready
    finally:
        server.stop()


def test_readiness_fails_when_the_store_does_not_answer(store: Store) -> None:
    store.close()
    if isinstance(store, SqliteStore):
        store.path.unlink()
        store.path.parent.rename(store.path.parent.with_name("gone"))
    else:  # a server that is not there
        store = PostgresStore(f"postgresql://cairn@127.0.0.1:{free_port()}/gone")
    assert check_readiness(store, 60, time.time()).status == "store unreachable"
    store.close()


def log_text(server: LiveServer) -> str:
    return "".join(path.read_text() for path in server.data_dir.glob("server-*.log"))


def test_request_log_is_json_and_never_holds_keys(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "live", extra_args=["--log-level", "debug"])
    server.start()
    url, public, private = server.base_url, server.public_key, server.private_key
    try:
        httpx.get(f"{url}/api/track", params={"data": b64(track(public))})
        httpx.post(f"{url}/api/identify", data={"data": orjson.dumps({"token": public}).decode()})
        httpx.get(f"{url}/api/v9/nothing", params={"api_key": private})
        httpx.get(f"{url}/api/track", params={"data": b64({"token": public})})
        wait_for(lambda: log_text(server), lambda text: NO_IDENTIFIER in text)  # worker's reject
    finally:
        server.stop()
    text = log_text(server)
    assert public not in text and private not in text
    entries = [orjson.loads(line) for line in text.splitlines()]  # every line is JSON
    requests = [
        (e["method"], e["path"], e["status"])
        for e in entries
        if e["logger"] == "cairn.request" and e["path"] != "/healthz"
    ]
    assert requests == [
        ("GET", "/api/track", 200),
        ("POST", "/api/identify", 200),
        ("GET", "/api/v9/nothing", 404),
        ("GET", "/api/track", 200),
    ]
    warnings = {(e["logger"], e.get("reason")) for e in entries if e["level"] == "warning"}
    assert ("cairn.ingest.views", "event name is missing") in warnings
    assert ("cairn.pipeline.worker", NO_IDENTIFIER) in warnings
