"""Read a request body, gunzipping it while it streams in when it says `Content-Encoding: gzip`.

The size limit applies to the decompressed bytes, and decompression never produces more than one
byte past it, so a gzip bomb is refused after expanding at most `limit + 1` bytes.
"""

from __future__ import annotations

import zlib

from starlette.types import Receive

from cairn.ingest.decode import Refused

_GZIP = zlib.MAX_WBITS | 16  # gzip header and trailer, not raw deflate


class _Gunzip:
    def __init__(self, limit: int, too_large: str) -> None:
        self._inflate = zlib.decompressobj(_GZIP)
        self._room = limit
        self._too_large = too_large

    def feed(self, chunk: bytes) -> bytes:
        """Decompress `chunk`; refuses once the output passes the limit."""
        parts: list[bytes] = []
        try:
            while chunk and not self._inflate.eof:
                part = self._inflate.decompress(chunk, self._room + 1)
                self._room -= len(part)
                if self._room < 0:
                    raise Refused(self._too_large)
                parts.append(part)
                chunk = self._inflate.unconsumed_tail
        except zlib.error:
            raise Refused("gzip body is malformed") from None
        return b"".join(parts)

    def finish(self) -> None:
        if not self._inflate.eof:
            raise Refused("gzip body is truncated")


async def read_body(receive: Receive, encoding: str, limit: int, too_large: str) -> bytes:
    """The body, decompressed, at most `limit` bytes; otherwise Refused(`too_large`)."""
    if encoding in ("", "identity"):
        gunzip = None
    elif encoding in ("gzip", "x-gzip"):
        gunzip = _Gunzip(limit, too_large)
    else:
        raise Refused(f"content encoding {encoding!r} is not supported")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Refused("client disconnected")
        chunk = message.get("body", b"")
        if gunzip is not None:
            chunk = gunzip.feed(chunk)
        size += len(chunk)
        if size > limit:
            raise Refused(too_large)
        chunks.append(chunk)
        if not message.get("more_body", False):
            if gunzip is not None:
                gunzip.finish()
            return b"".join(chunks)
