"""Reading request bodies, gzipped ones limited on their decompressed size while they stream."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from typing import Any

import pytest

from cairn.ingest.body import read_body
from cairn.ingest.decode import Refused

CHUNK = 64 * 1024


class Stream:
    """An ASGI `receive` handing out `body` in CHUNK-sized messages, counting them."""

    def __init__(self, body: bytes) -> None:
        self.chunks = [body[i : i + CHUNK] for i in range(0, len(body), CHUNK)] or [b""]
        self.sent = 0

    async def __call__(self) -> dict[str, Any]:
        chunk = self.chunks[self.sent]
        self.sent += 1
        return {"type": "http.request", "body": chunk, "more_body": self.sent < len(self.chunks)}


def read(stream: Stream, encoding: str, limit: int) -> bytes:
    return asyncio.run(read_body(stream, encoding, limit, "too large"))


def zeros_gzipped(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(CHUNK)
    return b"".join(compressor.compress(block) for _ in range(size // CHUNK)) + compressor.flush()


def test_a_gzipped_body_streamed_in_chunks_comes_out_whole() -> None:
    text = b"".join(b'{"n": %d}\n' % n for n in range(50_000))
    stream = Stream(gzip.compress(text))
    assert len(stream.chunks) > 1
    assert read(stream, "gzip", len(text)) == text


def test_the_limit_is_on_the_decompressed_size() -> None:
    text = b"x" * 10_000
    assert read(Stream(gzip.compress(text)), "gzip", 10_000) == text
    with pytest.raises(Refused, match="too large"):
        read(Stream(gzip.compress(text)), "gzip", 9_999)


def test_a_bomb_is_refused_as_soon_as_it_passes_the_limit() -> None:
    stream = Stream(zeros_gzipped(256 * 1024 * 1024))  # 256 MB of zeros in about 256 KB
    with pytest.raises(Refused, match="too large"):
        read(stream, "gzip", 5 * 1024 * 1024)
    assert len(stream.chunks) >= 4
    assert stream.sent == 1  # the first 64 KB already inflate past 5 MB: nothing more is read


def test_plain_bodies_keep_their_limit_and_odd_encodings_are_refused() -> None:
    assert read(Stream(b"abc"), "identity", 3) == b"abc"
    with pytest.raises(Refused, match="too large"):
        read(Stream(b"abcd"), "", 3)
    with pytest.raises(Refused, match="not supported"):
        read(Stream(b"abc"), "deflate, br", 3)
