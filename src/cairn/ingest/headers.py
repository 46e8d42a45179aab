"""Request headers ingest reads, and the headers of its answers."""

from __future__ import annotations

from starlette.types import Scope

_SHARED = [(b"access-control-allow-origin", b"*"), (b"cache-control", b"no-store")]
TEXT_HEADERS = [(b"content-type", b"text/html; charset=utf-8"), *_SHARED]
PIXEL_HEADERS = [(b"content-type", b"image/gif"), *_SHARED]
JSON_HEADERS = [(b"content-type", b"application/json"), *_SHARED]


class Headers:
    """The two request headers ingest reads, lower-cased."""

    __slots__ = ("content_encoding", "content_type")

    def __init__(self, scope: Scope) -> None:
        self.content_type = ""
        self.content_encoding = ""
        for name, value in scope["headers"]:
            if name == b"content-type":
                self.content_type = value.decode("latin-1").lower()
            elif name == b"content-encoding":
                self.content_encoding = value.decode("latin-1").strip().lower()
