"""The `_learnq` tracker in real headless Chromium, against a real `cairn serve`.

The shop is another origin (`http://localhost:PORT`, a loopback server in the test) that embeds
the script from the Cairn server (`http://127.0.0.1:PORT`), as a storefront does.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from cairn.store import open_store
from support.browser import beacon_payload
from support.live import LiveServer
from support.site import Site
from support.stored import StoredProfile, metric_count, stored_profile, wait_for

pytestmark = pytest.mark.browser

THIRTY_ONE_MINUTES_MS = 31 * 60 * 1000


def _serve(data_dir: Path) -> LiveServer:
    server = LiveServer(data_dir)
    server.start()
    return server


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    site = Site()
    site.start()
    yield site
    site.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = _serve(tmp_path_factory.mktemp("onsite"))
    yield server
    server.stop()


class Shop:
    """A storefront in one browser context (one visitor): pages with the snippet, the tracker's
    requests as sent, and the page errors seen."""

    def __init__(self, context: BrowserContext, server: LiveServer, site: Site) -> None:
        self.context = context
        self.server = server
        self.site = site
        self.queue = ""
        self.legacy_snippet = False
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.errors: list[str] = []
        self.store = open_store(f"sqlite:///{server.data_dir / 'cairn.db'}")
        with self.store.read() as queries:
            account = queries.account_by_public_key(server.public_key)
        assert account is not None
        self.account_id = account.id
        context.on("request", self._record)

    def page_html(self) -> str:
        script = f"{self.server.base_url}/onsite/js/klaviyo.js?company_id={self.server.public_key}"
        loader = f'<script async src="{script}"></script>'
        if self.legacy_snippet:  # the old analytics.js loader: the key comes in the queue
            loader = f"""<script>
  _learnq.push(['account', '{self.server.public_key}']);
  (function(){{var b=document.createElement('script');b.async=true;
   b.src='{self.server.base_url}/media/js/analytics/analytics.js';
   var a=document.getElementsByTagName('script')[0];a.parentNode.insertBefore(b,a);}})();
</script>"""
        buy = (
            "_learnq.push(['track', 'Added to Cart', {Item: 'boots'}]);"
            " document.getElementById('status').textContent ="
            " 'added ' + (++window.clicks || (window.clicks = 1));"
        )
        return f"""<!doctype html><html><head><title>Shop</title>
<script>var _learnq = _learnq || []; {self.queue}</script>
{loader}
</head><body>
<button id="buy" onclick="{buy}">Buy</button>
<p id="status">ready</p>
</body></html>"""

    def _record(self, request: Any) -> None:
        if request.url.startswith(self.server.base_url):
            beacon = beacon_payload(request.url)
            if beacon is not None:
                self.sent.append(beacon)

    def open(
        self,
        path: str = "/",
        query: str = "",
        host: str = "localhost",
        *,
        wait_for_tracker: bool = True,
    ) -> Page:
        self.site.pages[path] = self.page_html()
        page = self.context.new_page()
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.goto(self.site.url(path + query, host))
        if wait_for_tracker:
            page.wait_for_function("window.__cairnOnsite === true")
        return page

    def profile(self, kind: str, value: str) -> StoredProfile | None:
        return stored_profile(self.store, self.account_id, kind, value)

    def wait_for_metric(self, kind: str, value: str, metric: str, count: int = 1) -> StoredProfile:
        def probe() -> StoredProfile | None:
            profile = self.profile(kind, value)
            return profile if profile and profile.metrics().count(metric) >= count else None

        return wait_for(probe)

    def sent_events(self, event: str) -> list[dict[str, Any]]:
        return [p for kind, p in self.sent if kind == "track" and p["event"] == event]

    def cookie(self) -> dict[str, Any]:
        values = [
            c["value"] for c in self.context.cookies(self.site.url()) if c["name"] == "__kla_id"
        ]
        assert len(values) == 1
        decoded: dict[str, Any] = orjson.loads(base64.b64decode(values[0]))
        return decoded

    def close(self) -> None:
        self.context.close()
        self.store.close()


@pytest.fixture
def shop(browser: Browser, server: LiveServer, site: Site) -> Iterator[Shop]:
    shop = Shop(browser.new_context(), server, site)
    yield shop
    shop.close()
    assert shop.errors == []


def test_preload_queue_is_drained_then_push_is_handled(shop: Shop) -> None:
    shop.queue = """
        _learnq.push(['identify', {$email: 'Queue@Example.com', $first_name: 'Quinn'}]);
        _learnq.push(['track', 'Viewed Page', {Path: '/'}]);
    """
    page = shop.open()
    assert page.evaluate("_learnq.length") == 0
    assert page.evaluate("_learnq.push !== Array.prototype.push")
    page.click("#buy")
    assert page.text_content("#status") == "added 1"

    profile = shop.wait_for_metric("email", "queue@example.com", "Added to Cart")
    assert profile.properties["$first_name"] == "Quinn"
    assert sorted(profile.metrics()) == ["Active on Site", "Added to Cart", "Viewed Page"]
    assert next(e for e in profile.events if e.metric == "Added to Cart").properties == {
        "Item": "boots"
    }


def test_legacy_analytics_js_snippet_takes_the_key_from_the_queue(shop: Shop) -> None:
    shop.legacy_snippet = True
    shop.queue = "_learnq.push(['identify', {$email: 'legacy@example.com'}]);"
    page = shop.open()
    page.click("#buy")
    profile = shop.wait_for_metric("email", "legacy@example.com", "Added to Cart")
    assert "Active on Site" in profile.metrics()


def test_anonymous_browser_is_not_tracked(shop: Shop) -> None:
    shop.queue = "_learnq.push(['track', 'Anonymous Visit', {}]);"
    page = shop.open()
    assert page.evaluate("klaviyo.track('Anonymous Click', {})") is False
    page.click("#buy")
    assert page.evaluate("klaviyo.isIdentified()") is False
    assert shop.sent == []

    page.evaluate("klaviyo.identify({$email: 'late@example.com'})")
    assert page.evaluate("klaviyo.track('Known Click', {})") is True
    profile = shop.wait_for_metric("email", "late@example.com", "Known Click")
    assert "Anonymous Visit" not in profile.metrics()
    assert "Anonymous Click" not in profile.metrics()
    assert metric_count(shop.store, shop.account_id, "Anonymous Visit") == 0


def test_identify_then_track_lands_on_each_visitors_profile(
    browser: Browser, server: LiveServer, site: Site
) -> None:
    ada, bob = Shop(browser.new_context(), server, site), Shop(browser.new_context(), server, site)
    try:
        for shop, email in ((ada, "ada@example.com"), (bob, "bob@example.com")):
            page = shop.open()
            page.evaluate(f"klaviyo.identify({{$email: '{email}', Plan: 'gold'}})")
            assert page.evaluate(f"klaviyo.track('Started Checkout', {{By: '{email}'}})") is True
        for email in ("ada@example.com", "bob@example.com"):
            profile = ada.wait_for_metric("email", email, "Started Checkout")
            checkout = [e for e in profile.events if e.metric == "Started Checkout"]
            assert [e.properties for e in checkout] == [{"By": email}]
            assert profile.properties["Plan"] == "gold"
        assert ada.cookie()["$email"] == "ada@example.com"
        assert bob.cookie()["$email"] == "bob@example.com"
        assert ada.errors == bob.errors == []
    finally:
        ada.close()
        bob.close()


def test_cookie_survives_reload_and_later_track_lands_on_same_profile(shop: Shop) -> None:
    page = shop.open()
    page.evaluate("klaviyo.identify({email: 'carol@example.com'})")
    cookie = shop.cookie()
    assert cookie["$email"] == "carol@example.com"
    assert len(base64.b64decode(cookie["cid"])) == 16
    (stored,) = [c for c in shop.context.cookies(shop.site.url()) if c["name"] == "__kla_id"]
    # Asked for two years; Chromium caps every cookie at 400 days.
    assert stored["expires"] > time.time() + 399 * 24 * 3600
    first = shop.wait_for_metric("email", "carol@example.com", "Active on Site")

    page.reload()
    page.wait_for_function("window.__cairnOnsite === true")
    assert page.evaluate("_learnq.identify()") == {"$email": "carol@example.com"}
    assert page.evaluate("klaviyo.track('Viewed Cart', {Items: 2})") is True
    later = shop.wait_for_metric("email", "carol@example.com", "Viewed Cart")
    assert later.id == first.id
    assert shop.cookie()["cid"] == cookie["cid"]


def test_kx_link_parameter_identifies_the_browser(shop: Shop) -> None:
    exchange_id = f"xch{time.time_ns()}.{shop.server.public_key}"
    page = shop.open("/welcome", f"?_kx={exchange_id}&utm_source=email")
    assert shop.cookie()["$exchange_id"] == exchange_id
    assert page.evaluate("klaviyo.track('Clicked Email Link', {})") is True
    profile = shop.wait_for_metric("exchange_id", exchange_id, "Clicked Email Link")
    assert (
        "identify",
        {"token": shop.server.public_key, "properties": {"$exchange_id": exchange_id}},
    ) in shop.sent

    # A later form fill with an email is the same person: the profile gains the email.
    page.evaluate("klaviyo.identify({$email: 'dana@example.com'})")
    by_email = wait_for(lambda: shop.profile("email", "dana@example.com"))
    assert by_email.id == profile.id


def test_kx_of_another_person_replaces_the_stored_identity(shop: Shop) -> None:
    page = shop.open()
    page.evaluate("klaviyo.identify({$email: 'ivy@example.com'})")
    ivy = shop.wait_for_metric("email", "ivy@example.com", "Active on Site")

    exchange_id = f"xch{time.time_ns()}.{shop.server.public_key}"
    page = shop.open("/", f"?_kx={exchange_id}")
    assert page.evaluate("_learnq.identify()") == {"$exchange_id": exchange_id}
    assert page.evaluate("klaviyo.track('Clicked Email Link', {})") is True
    other = shop.wait_for_metric("exchange_id", exchange_id, "Clicked Email Link")
    assert other.id != ivy.id
    assert "$email" not in other.properties
    assert "Clicked Email Link" not in shop.profile("email", "ivy@example.com").metrics()  # type: ignore[union-attr]


def test_active_on_site_once_per_throttle_window(shop: Shop) -> None:
    shop.context.clock.install()
    email = "erin@example.com"
    shop.queue = f"_learnq.push(['identify', {{$email: '{email}'}}]);"
    page = shop.open()
    for visit in range(3):
        page.reload()
        page.wait_for_function("window.__cairnOnsite === true")
        assert page.evaluate(f"klaviyo.track('Page {visit}', {{}})") is True
    assert len(shop.sent_events("Active on Site")) == 1
    (active,) = shop.sent_events("Active on Site")
    assert active["properties"]["page"] == shop.site.url()
    shop.wait_for_metric("email", email, "Page 2")
    assert shop.profile("email", email).metrics().count("Active on Site") == 1  # type: ignore[union-attr]

    # The stored event id is the second it arrived: let a new second begin before the next one.
    time.sleep(1.05)
    page.clock.fast_forward(THIRTY_ONE_MINUTES_MS)
    page.reload()
    page.wait_for_function("window.__cairnOnsite === true")
    assert len(shop.sent_events("Active on Site")) == 2
    shop.wait_for_metric("email", email, "Active on Site", count=2)


def test_track_viewed_item_keeps_a_rolling_list_on_the_profile(shop: Shop) -> None:
    page = shop.open()
    page.evaluate("klaviyo.identify({$email: 'finn@example.com'})")
    for item in ("A", "B", "A"):
        page.evaluate(
            "item => klaviyo.trackViewedItem({Title: 'Item ' + item, ItemId: item,"
            " Metadata: {Price: 10}})",
            item,
        )

    def viewed() -> list[str] | None:
        profile = shop.profile("email", "finn@example.com")
        items = profile.properties.get("$viewed_items") if profile else None
        ids = [entry["ItemId"] for entry in items or []]
        return ids if ids == ["A", "B"] else None

    assert wait_for(viewed) == ["A", "B"]


def test_cookie_domain_is_shared_by_subdomains(shop: Shop) -> None:
    shop.queue = "_learnq.push(['cookieDomain', 'shop.localhost']);"
    page = shop.open(host="www.shop.localhost")
    page.evaluate("klaviyo.identify({$email: 'gus@example.com'})")
    other = shop.open(host="checkout.shop.localhost")
    assert other.evaluate("klaviyo.track('Checkout Opened', {})") is True
    shop.wait_for_metric("email", "gus@example.com", "Checkout Opened")


def test_page_keeps_working_when_the_server_is_down(
    browser: Browser, site: Site, tmp_path: Path
) -> None:
    server = _serve(tmp_path / "down")
    shop = Shop(browser.new_context(), server, site)
    newcomer = Shop(browser.new_context(), server, site)
    try:
        page = shop.open()
        page.evaluate("klaviyo.identify({$email: 'hal@example.com'})")
        server.stop()

        page.click("#buy")
        page.click("#buy")
        assert page.text_content("#status") == "added 2"
        assert page.evaluate("klaviyo.track('Lost', {})") is False
        assert page.evaluate("klaviyo.identify({$first_name: 'Hal'})") == {
            "$email": "hal@example.com"
        }
        # The next page gets the tracker from the browser cache; its calls fail quietly.
        reloaded = shop.open()
        reloaded.click("#buy")
        assert reloaded.text_content("#status") == "added 1"

        # A browser without the script cached: no tracker at all, and the page still works.
        cold = newcomer.open(wait_for_tracker=False)
        cold.click("#buy")
        assert cold.text_content("#status") == "added 1"
        assert cold.evaluate("Array.isArray(_learnq) && _learnq.length") == 1
        assert shop.errors == newcomer.errors == []
    finally:
        shop.close()
        newcomer.close()
        server.stop()


def test_demo_shop_page(browser: Browser, server: LiveServer) -> None:
    context = browser.new_context()
    errors: list[str] = []
    store = open_store(f"sqlite:///{server.data_dir / 'cairn.db'}")
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{server.base_url}/demo/shop?company_id={server.public_key}")
        page.wait_for_function("window.__cairnOnsite === true")
        page.fill("#email", "demo-visitor@example.com")
        page.click("#identify")
        page.wait_for_function("document.getElementById('log').textContent.includes('identify')")
        created = httpx.post(
            f"{server.base_url}/api/v2/lists",
            json={"api_key": server.private_key, "list_name": "Demo newsletter"},
        )
        page.fill("#list-id", created.json()["list_id"])
        for button in ("#view-item", "#add-to-cart", "#back-in-stock", "#subscribe"):
            page.click(button)
        log = page.locator("#log")
        expect(log).to_contain_text('back in stock → {"success":true')
        expect(log).to_contain_text('subscribe → {"success":true')
        with store.read() as queries:
            account = queries.account_by_public_key(server.public_key)
        assert account is not None

        def done() -> StoredProfile | None:
            profile = stored_profile(store, account.id, "email", "demo-visitor@example.com")
            wanted = {
                "Viewed Product",
                "Added to Cart",
                "Subscribed to Back in Stock",
                "Subscribed to List",
            }
            return profile if profile and wanted <= set(profile.metrics()) else None

        profile = wait_for(done)
        assert profile.properties["$first_name"] == "Sam"
        assert profile.properties["$viewed_items"][0]["ItemId"] == "BOOT-42"
        assert errors == []
    finally:
        context.close()
        store.close()
