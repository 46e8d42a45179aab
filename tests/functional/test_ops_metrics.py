"""`/metrics` on a real server: counters move by exactly the traffic sent."""

from __future__ import annotations

import httpx

from support.live import LiveServer
from support.observe import settled, store_of, wait_for
from support.payloads import b64, identify, track
from support.scrape import scrape, value

NO_IDENTIFIER = "no identifier ($email, $phone_number, $id or $exchange_id)"


def test_counters_move_by_the_traffic_sent(live_server: LiveServer) -> None:
    url, key = live_server.base_url, live_server.public_key
    before = scrape(url)
    with httpx.Client(base_url=url) as http:

        def get(path: str, payload: dict[str, object]) -> str:
            return http.get(path, params={"data": b64(payload)}).text

        for i in range(7):
            payload = track(key, email=f"u{i}@example.com")
            assert http.post("/api/track", data={"data": b64(payload)}).text == "1"
        for i in range(2):
            assert get("/api/identify", identify(key, email=f"i{i}@example.com")) == "1"
        for _ in range(3):  # accepted by ingest, rejected by the pipeline
            assert get("/api/track", {"token": key, "event": "Viewed"}) == "1"
        assert get("/api/track", {"token": key}) == "0"  # kept, with its reason, as rejected
        assert get("/api/track", track("nokey1")) == "0"
        assert http.get("/no/such/page").status_code == 404
    with store_of(live_server) as store:
        settled(store, events=7)
    after = wait_for(
        lambda: scrape(url),
        lambda s: (
            value(s, "cairn_pipeline_entries_applied_total") >= 9
            and value(s, "cairn_pipeline_rejected_total", reason=NO_IDENTIFIER) >= 3
        ),
    )

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("cairn_ingest_requests_total", route="/api/track", result="accepted") == 10
    assert moved("cairn_ingest_requests_total", route="/api/track", result="refused") == 2
    assert moved("cairn_ingest_requests_total", route="/api/identify", result="accepted") == 2
    assert moved("cairn_ingest_refusals_total", reason="event name is missing") == 1
    assert moved("cairn_ingest_refusals_total", reason="token is unknown") == 1
    assert moved("cairn_ingest_latency_seconds_count") == 14
    assert moved("cairn_ingest_latency_seconds_bucket", le="+Inf") == 14
    assert moved("cairn_inbox_records_total") == 13  # 12 accepted, 1 refused of a known token
    assert moved("cairn_pipeline_events_applied_total") == 7
    assert moved("cairn_pipeline_entries_applied_total") == 9
    assert moved("cairn_pipeline_rejected_total", reason=NO_IDENTIFIER) == 3
    assert moved("cairn_pipeline_rejected_total", reason="event name is missing") == 1
    assert moved("cairn_http_requests_total", route="unmatched", status="404") == 1
    assert value(after, "cairn_http_requests_total", route="/metrics", status="200") >= 1
    assert value(after, "cairn_inbox_depth") == 0
    assert value(after, "cairn_pipeline_lag_seconds") == 0
    assert value(after, "cairn_store_up") == 1
