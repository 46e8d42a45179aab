"""REST errors and their bodies: v1 `{"status", "message"}`, v2 `{"detail", "message"}`."""

from __future__ import annotations

import math

import orjson
from starlette.responses import Response


class ApiError(Exception):
    status = 400

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequest(ApiError):
    status = 400


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class MethodNotAllowed(ApiError):
    status = 405


class TooLarge(ApiError):
    status = 413


class Throttled(ApiError):
    status = 429

    def __init__(self, retry_after: float, headers: dict[str, str]) -> None:
        seconds = max(1, math.ceil(retry_after))
        super().__init__(
            f"Request was throttled. Expected available in {seconds} seconds.",
            {**headers, "Retry-After": str(seconds)},
        )


class Unavailable(ApiError):
    status = 503


class InternalError(ApiError):
    status = 500


def is_v2(path: str) -> bool:
    return path.startswith("/api/v2/")


def error_body(path: str, status: int, message: str) -> dict[str, object]:
    if is_v2(path):
        return {"detail": message, "message": message}
    return {"status": status, "message": message}


def error_response(path: str, error: ApiError) -> Response:
    return Response(
        orjson.dumps(error_body(path, error.status, error.message)),
        status_code=error.status,
        media_type="application/json",
        headers=error.headers,
    )


def not_found(kind: str) -> NotFound:
    return NotFound(f"{kind} does not exist.")
