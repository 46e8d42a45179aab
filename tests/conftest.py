from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from starlette.testclient import TestClient

from cairn.accounts.actions import CreatedAccount, do_create_account
from cairn.app import create_app
from cairn.config import Settings
from cairn.pipeline.worker import Worker
from cairn.store import Store, open_store
from support.browser import launch_chromium
from support.live import LiveServer


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store' / 'cairn.db'}"


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = open_store(database_url)
    store.migrate()
    yield store
    store.close()


@pytest.fixture
def account(store: Store) -> CreatedAccount:
    return do_create_account(store, "Test shop")


@pytest.fixture
def worker(store: Store) -> Worker:
    """Apply the inbox synchronously in tests with `worker.drain()`."""
    return Worker(store)


@pytest.fixture
def client(store: Store, database_url: str) -> Iterator[TestClient]:
    """The whole ASGI app in-process, lifespan included (the group-commit thread runs)."""
    app = create_app(store, Settings(database_url=database_url))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path / "live")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for one module of page tests. Not wider: Playwright's sync
    API keeps an event loop running while it is open, which asyncio tests cannot share."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()
