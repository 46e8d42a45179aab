"""The ceiling: Cairn's server stack answering `1` with no work at all.

Run as `python bench/ceiling_app.py PORT`; it serves on 127.0.0.1 with `cairn.serving.run_http`,
the very function `cairn serve` uses, so the only difference from Cairn is the app.
"""

from __future__ import annotations

import sys
from typing import Any

from cairn.serving import run_http

_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"access-control-allow-origin", b"*"),
        (b"cache-control", b"no-store"),
    ],
}
_BODY = {"type": "http.response.body", "body": b"1"}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "http":
        # Drain the request body as any app must, then answer.
        message = await receive()
        while message.get("more_body", False):
            message = await receive()
        await send(_START)
        await send(_BODY)


if __name__ == "__main__":
    run_http(app, "127.0.0.1", int(sys.argv[1]))
