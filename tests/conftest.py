from __future__ import annotations

import os
import uuid
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
from support.clock import Clock
from support.live import LiveServer
from support.postgres import PostgresCluster, PostgresServer


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """CAIRN_TEST_POSTGRES_URL (a role that may create databases), else a throwaway cluster."""
    url = os.environ.get("CAIRN_TEST_POSTGRES_URL")
    if url:
        yield PostgresServer(url)
        return
    with PostgresCluster() as cluster:
        yield cluster.server


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> Iterator[str]:
    """A migrated database that each test's database is copied from."""
    name = f"cairn_template_{uuid.uuid4().hex[:8]}"
    store = open_store(postgres_server.create_database(name))
    store.migrate()
    store.close()
    yield name
    postgres_server.drop_database(name)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer, postgres_template: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database of its own for one test."""
    with postgres_server.fresh_database(postgres_template) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every test that uses the store runs once on each backend."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
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
def clock() -> Clock:
    """Time the test moves by hand; pass it to a `Worker` or `Deliverer` as `clock`."""
    return Clock()


@pytest.fixture
def client(store: Store, database_url: str) -> Iterator[TestClient]:
    """The whole ASGI app in-process, lifespan included (the group-commit thread runs)."""
    app = create_app(store, Settings(database_url=database_url))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def live_server(tmp_path: Path, database_url: str) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path / "live", database_url=database_url)
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
