"""An ASGI wrapper that counts requests by route and status and, at debug level, logs one line
per request (method, path without the query string, status, duration: never a key or payload).

It wraps the routes behind the ingest fast path; ingest keeps its own counters and logs its
own request lines (with `log_request`) only when debug logging is on."""

from __future__ import annotations

import logging
import time
from collections import Counter

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("cairn.request")


def log_request(scope: Scope, status: int, seconds: float, route: str | None = None) -> None:
    log.debug(
        "%s %s %d",
        scope["method"],
        scope["path"],
        status,
        extra={
            "method": scope["method"],
            "path": scope["path"],
            "route": route or scope["path"],
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
        },
    )


def _route_of(scope: Scope) -> str | None:
    """The matched route's template, with the prefix of any mount it sits under."""
    path = getattr(scope.get("route"), "path", None)
    return None if path is None else scope.get("root_path", "") + path


class RequestCounts:
    """(route template, HTTP status) → requests; the route is `unmatched` for unknown paths."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, int]] = Counter()


class ObserveRequests:
    def __init__(self, app: ASGIApp, *, counts: RequestCounts | None, log_each: bool) -> None:
        self.app = app
        self.counts = counts
        self.log_each = log_each

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            route = _route_of(scope)
            if self.counts is not None:
                self.counts.counts[(route or "unmatched", status)] += 1
            if self.log_each:
                log_request(scope, status, time.perf_counter() - started, route)
