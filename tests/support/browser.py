"""Headless Chromium for page tests: Debian's browser driven by Playwright (never downloaded)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
from playwright.sync_api import Browser, Playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def beacon_payload(url: str) -> tuple[str, dict[str, Any]] | None:
    """(`track` or `identify`, payload) of a tracker request to /api/…?data=BASE64, else None."""
    parts = urlsplit(url)
    if not parts.path.startswith("/api/"):
        return None
    data = parse_qs(parts.query).get("data")
    if not data:
        return None
    return parts.path.removeprefix("/api/"), orjson.loads(base64.b64decode(data[0]))
