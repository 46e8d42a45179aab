"""What the sync and async clients share around httpx: request arguments and answer reading."""

from __future__ import annotations

import json
from typing import Any, TypeVar

import httpx

from cairn import __version__
from cairn.sdk.errors import ApiError
from cairn.sdk.rest import Call, Request

T = TypeVar("T")
USER_AGENT = f"cairn-python/{__version__}"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def http_arguments(request: Request, private_key: str | None) -> dict[str, Any]:
    """Keyword arguments for `httpx.Client.request`; REST calls carry the private key as the
    `api_key` query parameter, which every legacy route accepts."""
    params = list(request.params)
    if private_key is not None:
        params.append(("api_key", private_key))
    arguments: dict[str, Any] = {"method": request.method, "url": request.path, "params": params}
    if request.form is not None:
        arguments["data"] = dict(request.form)
    elif request.json is not None:
        arguments["json"] = request.json
    return arguments


def read_body(response: httpx.Response) -> Any:
    """The decoded JSON body; plain text when it is not JSON; None when empty."""
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        return response.text


def error_of(response: httpx.Response) -> ApiError:
    body = read_body(response)
    message = response.reason_phrase or "error"
    if isinstance(body, dict):
        message = str(body.get("message") or body.get("detail") or message)
    elif isinstance(body, str) and body:
        message = body[:200]
    return ApiError(response.status_code, message, body)


def outcome(call: Call[T], response: httpx.Response) -> T:
    """The parsed result of a call, `call.missing` on an allowed 404, else ApiError."""
    if response.status_code == 404 and call.allow_missing:
        result: T = call.missing
        return result
    if response.status_code != 200:
        raise error_of(response)
    return call.parse(read_body(response))


def is_connect_error(error: httpx.TransportError) -> bool:
    """The request never left: repeating it is safe even when it is not idempotent."""
    return isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)
