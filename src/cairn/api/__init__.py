"""The REST API (v1 and v2, private keys), mounted at `/api`."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from cairn.api.errors import InternalError, MethodNotAllowed, NotFound, error_response
from cairn.api.openapi import docs_page, openapi_document
from cairn.api.ratelimit import Limit
from cairn.api.routes import rest_routes
from cairn.config import Settings
from cairn.store import Store


async def _http_error(request: Request, error: Exception) -> Response:
    """Unknown paths and methods under /api answer in the API's JSON error shape."""
    status = error.status_code if isinstance(error, HTTPException) else 500
    if status == 404:
        return error_response(request.url.path, NotFound("This path does not exist."))
    if status == 405:
        message = f"{request.method} is not allowed on this path."
        return error_response(request.url.path, MethodNotAllowed(message))
    return error_response(request.url.path, InternalError("Internal error."))


def api_routes(store: Store, settings: Settings) -> list[Mount | Route]:
    """`/api/...` (besides Track & Identify, which ingest serves), `/openapi.json` and the
    docs page."""
    limit = Limit(settings.api_rate_burst, settings.api_rate_per_second)
    api = Starlette(
        routes=[*rest_routes(store, limit), Route("/docs", docs_page)],
        exception_handlers={HTTPException: _http_error},
    )
    return [Route("/openapi.json", openapi_document), Mount("/api", app=api)]
