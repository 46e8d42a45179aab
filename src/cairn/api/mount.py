"""Mounting the REST API (v1 and v2, private keys) at `/api`: its routes and error handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from cairn.api.errors import InternalError, MethodNotAllowed, NotFound, error_response
from cairn.api.openapi import docs_page, openapi_document
from cairn.api.ratelimit import Limit
from cairn.api.routes import rest_routes
from cairn.config import Settings
from cairn.store import Store


async def _http_error(request: Request, error: Exception) -> Response:
    status = error.status_code if isinstance(error, HTTPException) else 500
    if not request.url.path.startswith("/api/"):
        detail = error.detail if isinstance(error, HTTPException) else "Internal Server Error"
        return PlainTextResponse(detail, status_code=status)
    if status == 404:
        return error_response(request.url.path, NotFound("This path does not exist."))
    if status == 405:
        message = f"{request.method} is not allowed on this path."
        return error_response(request.url.path, MethodNotAllowed(message))
    return error_response(request.url.path, InternalError("Internal error."))


def api_routes(store: Store, settings: Settings) -> list[BaseRoute]:
    """`/api/...` (besides Track & Identify, which ingest serves), `/openapi.json` and the
    docs page."""
    limit = Limit(settings.api_rate_burst, settings.api_rate_per_second)
    return [
        *rest_routes(store, limit),
        Route("/openapi.json", openapi_document),
        Route("/api/docs", docs_page),
    ]


def api_exception_handlers() -> dict[Any, Callable[[Request, Exception], Awaitable[Response]]]:
    """For the app: unknown paths and methods under /api answer in the API's JSON shape."""
    return {HTTPException: _http_error}
