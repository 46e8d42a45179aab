"""Assembles the ASGI application: the ingest fast path in front of the Starlette routes."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cairn.api.mount import api_exception_handlers, api_routes
from cairn.api.ratelimit import Limit, TokenBuckets
from cairn.config import Settings
from cairn.dashboard.app import dashboard_routes
from cairn.inbox.group_commit import GroupCommitter
from cairn.ingest.tokens import TokenCache
from cairn.ingest.views import IngestApp
from cairn.onsite.views import routes as onsite_routes
from cairn.ops.logs import configure_logging
from cairn.ops.web import Operations
from cairn.store import Store, open_store


def create_app(store: Store, settings: Settings) -> IngestApp:
    committer = GroupCommitter(
        store.inbox_appender,
        max_batch=settings.commit_max_batch,
        window=settings.commit_window,
    )
    tokens = TokenCache(store)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        committer.start()
        app.state.ready = True
        try:
            yield
        finally:
            app.state.ready = False
            committer.stop()

    async def healthz(request: Request) -> JSONResponse:
        if not getattr(request.app.state, "ready", False):
            return JSONResponse({"status": "starting"}, status_code=503)
        return JSONResponse({"status": "ok"})

    operations = Operations(store, ready_max_lag=settings.ready_max_lag)
    routes = [Route("/healthz", healthz), *operations.routes(), *api_routes(store, settings)]
    routes += onsite_routes()
    routes += dashboard_routes(store)
    web = Starlette(routes=routes, lifespan=lifespan, exception_handlers=api_exception_handlers())
    web.state.store = store
    web.state.tokens = tokens
    web.state.committer = committer
    ingest_limit = Limit(settings.ingest_rate_burst, settings.ingest_rate_per_second)
    limiter = TokenBuckets(ingest_limit) if ingest_limit.enabled else None
    log_each = logging.getLogger("cairn.request").isEnabledFor(logging.DEBUG)
    ingest = IngestApp(committer, tokens, operations.observe(web, log_each=log_each), limiter)
    ingest.log_each = log_each
    operations.ingest = ingest
    return ingest


def app_from_environment() -> IngestApp:
    """The app factory for `cairn serve --workers N`: each HTTP process opens its own store."""
    configure_logging(
        os.environ.get("CAIRN_LOG_LEVEL", "warning"), os.environ.get("CAIRN_LOG_FORMAT", "json")
    )
    settings = Settings.from_environment()
    return create_app(open_store(settings.database_url), settings)
