"""Glue shared by the dashboard's views: the per-app context, sign-in and CSRF checks around
each page, rendering, and a Server-Timing header."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cairn.dashboard.auth import CSRF_FIELD, Viewer, csrf_matches, csrf_token, viewer_of
from cairn.dashboard.export import MetricExport
from cairn.store import Store

_SCOPE_KEY = "cairn.dashboard"
View = Callable[[Request, Viewer], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Dashboard:
    store: Store
    templates: Jinja2Templates
    export: MetricExport


def dashboard_of(request: Request) -> Dashboard:
    dashboard: Dashboard = request.scope[_SCOPE_KEY]
    return dashboard


class WithDashboard:
    """Puts the dashboard's context in the request scope of its routes."""

    def __init__(self, app: ASGIApp, dashboard: Dashboard) -> None:
        self.app = app
        self.dashboard = dashboard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[_SCOPE_KEY] = self.dashboard
        await self.app(scope, receive, send)


def render(
    request: Request,
    template: str,
    viewer: Viewer | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    context.update(viewer=viewer, csrf=csrf_token(request.session), path=request.url.path)
    # Private, per-account pages (and a key shown once): never kept by a cache.
    return dashboard_of(request).templates.TemplateResponse(
        request, template, context, status_code=status_code, headers={"cache-control": "no-store"}
    )


async def checked_form(request: Request) -> FormData | None:
    """The posted form, or None when its CSRF token is not this session's."""
    form = await request.form()
    return form if csrf_matches(request.session, form.get(CSRF_FIELD)) else None


def forbidden(request: Request) -> Response:
    return render(
        request,
        "error.html",
        status_code=403,
        message="This form has expired or did not come from this dashboard. Reload and retry.",
    )


def page(view: View) -> Endpoint:
    """A signed-in page: POSTs must carry the session's CSRF token; the view runs in a worker
    thread (store calls block) and finds a checked form in `request.state.form`."""

    async def endpoint(request: Request) -> Response:
        if request.method == "POST":
            form = await checked_form(request)
            if form is None:
                return forbidden(request)
            request.state.form = form
        return await run_in_threadpool(_signed_in, view, request)

    return endpoint


def _signed_in(view: View, request: Request) -> Response:
    with dashboard_of(request).store.read() as queries:
        viewer = viewer_of(queries, request.session)
    if viewer is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)
    return view(request, viewer)


class ServerTiming:
    """Adds `Server-Timing: app;dur=<ms>` to every dashboard response (read by bench/)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = (time.perf_counter() - started) * 1000
                headers = list(message.get("headers", []))
                headers.append((b"server-timing", f"app;dur={elapsed:.1f}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, timed)
