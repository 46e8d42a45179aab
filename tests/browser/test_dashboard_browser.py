"""The dashboard in real headless Chromium against a real `cairn serve`.

Numbers are read from the rendered pages (data tables, the chart object, aria text), never from
the API. Screenshots of each main page go to artifacts/screenshots/.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
from playwright.sync_api import Browser, Page, expect

from support.live import LiveServer
from support.payloads import b64, track

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

NOON_TWO_DAYS_AGO = (
    int(datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0).timestamp())
    - 2 * 86400
)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def send(server: LiveServer, payload: dict[str, object]) -> None:
    response = httpx.get(f"{server.base_url}/api/track", params={"data": b64(payload)})
    assert response.text == "1"


def sign_in(page: Page, server: LiveServer, private_key: str) -> None:
    page.goto(f"{server.base_url}/charts")
    expect(page).to_have_url(f"{server.base_url}/signin?next=/charts")
    page.get_by_label("Private key").fill(private_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server.base_url}/charts")


def chart_data(page: Page, canvas: str) -> list[list[float]]:
    """The values each dataset of the chart drawn on `canvas` holds, once it is drawn."""
    page.wait_for_function("id => window.Chart && Chart.getChart(id)", arg=canvas)
    data: list[list[float]] = page.evaluate(
        "id => Chart.getChart(id).data.datasets.map(d => d.data)", canvas
    )
    return data


def reload_until(page: Page, url: str, ready: Callable[[Page], bool], timeout: float = 15) -> None:
    """The worker applies events within moments: reload until the page shows them."""
    deadline = time.monotonic() + timeout
    page.goto(url)
    while not ready(page):
        assert time.monotonic() < deadline, f"{url} never showed the expected data"
        time.sleep(0.2)
        page.goto(url)


def create_account(server: LiveServer, name: str) -> dict[str, str]:
    """`cairn account create` on the server's store."""
    store = (
        ["--database-url", server.database_url]
        if server.database_url
        else ["--data", str(server.data_dir)]
    )
    result = subprocess.run(
        [sys.executable, "-m", "cairn", "account", "create", name, "--json", *store],
        capture_output=True,
        text=True,
        check=True,
    )
    created: dict[str, str] = orjson.loads(result.stdout)
    return created


def test_metric_chart_shows_the_totals_of_tracked_events(
    page: Page, live_server: LiveServer
) -> None:
    orders = [  # (email, seconds after noon two days ago, $value, Brand)
        ("ada@example.com", 0, 10, "Boots"),
        ("ada@example.com", 60, 20, "Hats"),
        ("bob@example.com", 120, 5.5, "Boots"),
        ("bob@example.com", 86400, 4.5, "Boots"),
    ]
    for email, offset, value, brand in orders:
        send(
            live_server,
            track(
                live_server.public_key,
                email=email,
                time=NOON_TWO_DAYS_AGO + offset,
                properties={"$value": value, "Brand": brand},
            ),
        )
    send(
        live_server, track(live_server.public_key, event="Viewed Product", email="ada@example.com")
    )
    sign_in(page, live_server, live_server.private_key)

    counts = page.locator("#metric-counts tbody tr")
    reload_until(page, f"{live_server.base_url}/charts", lambda p: counts.count() == 2)
    expect(counts.filter(has_text="Placed Order").locator("td.num")).to_have_text("4")
    expect(counts.filter(has_text="Viewed Product").locator("td.num")).to_have_text("1")
    screenshot(page, "metrics")

    page.get_by_role("link", name="Placed Order").click()
    expect(page.get_by_test_id("chart-total")).to_have_text("4")
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    rows = page.locator("#chart-table tbody tr")
    expect(rows.filter(has_text=two_days_ago).locator("td")).to_have_text(["3"])
    expect(rows.filter(has_text=yesterday).locator("td")).to_have_text(["1"])
    chart = page.get_by_role("img", name="Placed Order: 4 events in total, per day")
    expect(chart).to_be_visible()
    drawn = chart_data(page, "metric-chart")
    assert sum(drawn[0]) == 4 and sorted(drawn[0])[-2:] == [1, 3]

    page.get_by_label("Measure").select_option("value")
    page.get_by_label("Split by").select_option("Brand")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("chart-total")).to_have_text("40")
    chart_data(page, "metric-chart")  # drawn, before the hover
    footer = page.locator("#chart-table tfoot td")
    expect(page.locator("#chart-table thead th")).to_have_text(["Day", "Boots", "Hats", "Total"])
    expect(footer).to_have_text(["20", "20", "40"])
    # Hover the bar of two days ago: the chart's own tooltip lists each brand with its unit.
    point = page.evaluate(
        "label => { const c = Chart.getChart('metric-chart');"
        " const bar = c.getDatasetMeta(0).data[c.data.labels.indexOf(label)];"
        " return [bar.x, bar.y]; }",
        two_days_ago,
    )
    box = page.locator("#metric-chart").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + point[0], box["y"] + point[1] + 2)
    tooltip = page.evaluate(
        "Chart.getChart('metric-chart').tooltip.body.map(b => b.lines.join(' '))"
    )
    assert tooltip == ["Boots: 15.5 sum of $value", "Hats: 20 sum of $value"]
    screenshot(page, "metric-chart")


def test_profile_search_and_timeline_in_order(page: Page, live_server: LiveServer) -> None:
    steps = ["Viewed Product", "Added to Cart", "Started Checkout", "Placed Order"]
    for i, event in enumerate(steps):
        send(
            live_server,
            track(
                live_server.public_key,
                event=event,
                email="grace@example.com",
                time=NOON_TWO_DAYS_AGO + 60 * i,
                properties={"step": i},
                customer_properties={
                    "$email": "grace@example.com",
                    "$first_name": "Grace",
                    "Plan": "Premium",
                    "Orders": 3,
                    "VIP": True,
                },
            ),
        )
    sign_in(page, live_server, live_server.private_key)
    results = page.locator("#profile-results tbody tr")
    reload_until(page, f"{live_server.base_url}/profiles?q=GRACE@", lambda p: results.count() == 1)
    page.get_by_role("link", name="#").first.click()
    timeline = page.locator("#timeline li .metric-name")
    reload_until(page, page.url, lambda p: timeline.count() == 4)
    expect(timeline).to_have_text(list(reversed(steps)))
    properties = page.locator("#properties tbody tr")
    expect(properties.filter(has_text="Orders").locator(".badge")).to_have_text("number")
    expect(properties.filter(has_text="VIP").locator(".badge")).to_have_text("boolean")
    expect(page.locator("#identifiers")).to_contain_text("grace@example.com")
    screenshot(page, "profile")


def test_creating_a_key_shows_it_once(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server, live_server.private_key)
    page.get_by_role("navigation").get_by_role("link", name="Keys").click()
    expect(page.get_by_test_id("public-key")).to_have_text(live_server.public_key)
    expect(page.locator("#snippet")).to_contain_text(f"company_id={live_server.public_key}")
    page.get_by_label("Label").fill("warehouse")
    page.get_by_role("button", name="Create private key").click()
    key = page.get_by_test_id("new-key").inner_text()
    assert key.startswith("pk_") and len(key) > 20
    expect(page.locator("#private-keys")).to_contain_text("warehouse")
    screenshot(page, "keys")
    page.goto(f"{live_server.base_url}/keys")
    expect(page.get_by_test_id("new-key")).to_have_count(0)
    assert key not in page.content()
    other = page.context.browser.new_context()  # type: ignore[union-attr]
    try:
        sign_in(other.new_page(), live_server, key)
    finally:
        other.close()


def test_a_second_account_cannot_see_the_firsts_data(
    browser: Browser, page: Page, live_server: LiveServer
) -> None:
    send(
        live_server,
        track(live_server.public_key, event="Secret Metric", email="hidden@example.com"),
    )
    sign_in(page, live_server, live_server.private_key)
    results = page.locator("#profile-results tbody tr")
    reload_until(page, f"{live_server.base_url}/profiles?q=hidden", lambda p: results.count() == 1)
    page.get_by_role("link", name="#").first.click()
    profile_url = page.url

    second = create_account(live_server, "Second shop")
    context = browser.new_context()
    try:
        intruder = context.new_page()
        sign_in(intruder, live_server, second["private_key"])
        expect(intruder.get_by_test_id("account-name")).to_have_text("Second shop")
        expect(intruder.locator("main")).not_to_contain_text("Secret Metric")
        intruder.goto(f"{live_server.base_url}/profiles?q=hidden")
        expect(intruder.locator("main")).to_contain_text("No profile")
        response = intruder.goto(profile_url)
        assert response is not None and response.status == 404
        expect(intruder.get_by_role("alert")).to_have_text("No such profile.")
        intruder.goto(f"{live_server.base_url}/keys")
        expect(intruder.get_by_test_id("public-key")).to_have_text(second["public_key"])
        assert live_server.public_key not in intruder.content()
    finally:
        context.close()


def test_ingest_health_shows_a_rejected_payload_with_its_reason(
    page: Page, live_server: LiveServer
) -> None:
    send(live_server, track(live_server.public_key, email="ok@example.com"))
    bad = track(live_server.public_key, event="Placed Order")
    bad["customer_properties"] = {"first_name": "No identifier"}
    send(live_server, bad)
    send(live_server, track(live_server.public_key, email="late@example.com", time="yesterday"))
    sign_in(page, live_server, live_server.private_key)
    rows = page.locator("#rejections tbody tr")
    reload_until(page, f"{live_server.base_url}/health", lambda p: rows.count() == 2)
    expect(page.get_by_test_id("received")).to_have_text("1")
    expect(page.get_by_test_id("rejected")).to_have_text("2")
    # A measured lag, in whatever unit suits it; a slow host can take a second.
    expect(page.get_by_test_id("lag-p99")).to_have_text(re.compile(r"^\d+(\.\d)? (ms|s)$"))
    no_identifier = rows.filter(has_text="No identifier")
    expect(no_identifier.locator(".reason")).to_have_text(
        "no identifier ($email, $phone_number, $id or $exchange_id)"
    )
    screenshot(page, "health")
    page.get_by_label("Reason").select_option(label="time is not a unix timestamp (1)")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.locator(".reason")).to_have_text("time is not a unix timestamp")
    expect(rows.locator(".payload")).to_contain_text("late@example.com")


def test_a_list_shows_its_members_and_growth(page: Page, live_server: LiveServer) -> None:
    api = f"{live_server.base_url}/api/v2"
    created = httpx.post(
        f"{api}/lists", json={"api_key": live_server.private_key, "list_name": "VIP customers"}
    )
    list_id = created.json()["list_id"]
    members = [{"email": f"vip{i}@example.com", "first_name": f"VIP {i}"} for i in range(4)]
    added = httpx.post(
        f"{api}/list/{list_id}/members",
        json={"api_key": live_server.private_key, "profiles": members},
    )
    assert added.status_code == 200, added.text
    sign_in(page, live_server, live_server.private_key)
    page.get_by_role("navigation").get_by_role("link", name="Lists").click()
    row = page.locator("#lists tbody tr").filter(has_text="VIP customers")
    expect(row.locator("td.num")).to_have_text("4")
    row.get_by_role("link").click()
    expect(page.get_by_test_id("member-count")).to_have_text("4")
    expect(page.locator("#members tbody tr")).to_have_count(4)
    growth = chart_data(page, "growth-chart")[0]
    assert growth[-1] == 4 and len(growth) == 90
    screenshot(page, "list")
