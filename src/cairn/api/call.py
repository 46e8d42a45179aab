"""One REST call: the body read once (JSON, form or multipart), the key checked, the rate limit
applied, the handler run off the event loop, and its result or error rendered."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.api.auth import authenticate, find_key
from cairn.api.errors import (
    ApiError,
    BadRequest,
    InternalError,
    MethodNotAllowed,
    Throttled,
    TooLarge,
    Unavailable,
    error_response,
)
from cairn.api.ratelimit import TokenBuckets
from cairn.checks import Invalid
from cairn.store import Store, StoreUnavailable
from cairn.store.records import Account

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


class Empty:
    """A handler result meaning: 200 with an empty body (legacy PUT and DELETE)."""


EMPTY = Empty()


@dataclass
class Call:
    store: Store
    account: Account
    path: Mapping[str, str]
    query: QueryParams
    body: dict[str, Any]
    now: float

    @property
    def account_id(self) -> int:
        return self.account.id

    def field(self, name: str) -> Any:
        """A parameter from the body, else the query string (last value)."""
        if name in self.body:
            return self.body[name]
        return self.query.get(name)

    def text(self, name: str) -> str | None:
        value = self.field(name)
        if isinstance(value, list):
            value = value[-1] if value else None
        if value is None:
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise BadRequest(f"{name} must be a string")
        return str(value)

    def values(self, name: str) -> list[str]:
        """A list parameter: a JSON array, repeated parameters, or comma-separated values."""
        found: list[object] = []
        for source in (self.body.get(name), *self.query.getlist(name)):
            if isinstance(source, list):
                found.extend(source)
            elif source is not None:
                found.append(source)
        values: list[str] = []
        for item in found:
            if not isinstance(item, str):
                raise BadRequest(f"{name} must be a list of strings")
            values.extend(part.strip() for part in item.split(",") if part.strip())
        return values

    def parameters(self) -> dict[str, Any]:
        """Query and body parameters in one map (the body wins), without the key."""
        merged: dict[str, Any] = dict(self.query)
        merged.update(self.body)
        merged.pop("api_key", None)
        return merged


Handler = Callable[[Call], object]


async def _read_body(request: Request) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise TooLarge("The request body is larger than 1 MB.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise TooLarge("The request body is larger than 1 MB.")
        chunks.append(chunk)
    return b"".join(chunks)


def _form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in pairs:
        if key in fields:
            previous = fields[key]
            fields[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            fields[key] = value
    return fields


async def read_fields(request: Request) -> dict[str, Any]:
    """The body as a map: a JSON object, or form fields (repeated fields become lists)."""
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("multipart/form-data"):
        request._body = await _read_body(request)  # as Request.body() keeps it, for form()
        try:
            form = await request.form()
        except Exception as error:
            raise BadRequest("The multipart body is malformed.") from error
        return _form([(k, v) for k, v in form.multi_items() if isinstance(v, str)])
    raw = await _read_body(request)
    if not raw.strip():
        return {}
    if content_type.startswith("application/json") or raw.lstrip()[:1] == b"{":
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise BadRequest("The request body is not valid JSON.") from None
        if not isinstance(parsed, dict):
            raise BadRequest("The JSON body must be an object.")
        return parsed
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        raise BadRequest("The request body is not UTF-8.") from None
    return _form(parse_qsl(text, keep_blank_values=True))


def render(result: object, headers: dict[str, str]) -> Response:
    if isinstance(result, Empty):
        return Response(b"", headers=headers)
    return Response(orjson.dumps(result), media_type="application/json", headers=headers)


class RestApi:
    """Builds routes whose handlers receive an authenticated, rate-limited `Call`."""

    def __init__(self, store: Store, buckets: TokenBuckets, clock: Callable[[], float]) -> None:
        self.store = store
        self.buckets = buckets
        self.clock = clock

    def route(self, path: str, **handlers: Handler) -> Route:
        """`route("/x", GET=get_x, PUT=put_x)`."""
        methods = {method.upper(): handler for method, handler in handlers.items()}

        async def endpoint(request: Request) -> Response:
            handler = methods.get("GET" if request.method == "HEAD" else request.method)
            return await self.dispatch(request, handler)

        return Route(path, endpoint, methods=list(methods))

    async def dispatch(self, request: Request, handler: Handler | None) -> Response:
        path = request.url.path
        headers: dict[str, str] = {}
        try:
            if handler is None:
                raise MethodNotAllowed(f"{request.method} is not allowed on this path.")
            body = await read_fields(request)
            key = find_key(request.headers, body, request.query_params)
            account, key_hash = await run_in_threadpool(self._authenticate, key)
            if self.buckets.limit.enabled:
                decision = self.buckets.take(key_hash)
                headers = decision.headers(self.buckets.limit)
                if not decision.allowed:
                    raise Throttled(decision.retry_after, headers)
            call = Call(
                self.store, account, request.path_params, request.query_params, body, self.clock()
            )
            result = await run_in_threadpool(_run, handler, call)
        except ApiError as error:
            return error_response(path, error)
        return render(result, headers)

    def _authenticate(self, key: str) -> tuple[Account, str]:
        try:
            with self.store.read() as queries:
                return authenticate(queries, key)
        except StoreUnavailable as error:
            raise Unavailable("The store is unavailable; retry shortly.") from error


def _run(handler: Handler, call: Call) -> object:
    try:
        return handler(call)
    except Invalid as error:
        raise BadRequest(str(error)) from None
    except ApiError:
        raise
    except StoreUnavailable as error:
        raise Unavailable("The store is unavailable; retry shortly.") from error
    except Exception as error:
        log.exception("REST handler failed")
        raise InternalError("Internal error; it has been logged.") from error
