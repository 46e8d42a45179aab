"""A scripted HTTP server on loopback: answers from a script, or forwards to a real server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx


@dataclass(frozen=True)
class Answer:
    status: int | None = 200
    body: bytes = b"1"
    headers: dict[str, str] = field(default_factory=dict)
    # Forward the request to the real server first (its answer is then replaced by this one,
    # unless `status` is None: then the real answer is passed back).
    forward: bool = False


@dataclass
class Seen:
    at: float
    path: str
    form: dict[str, list[str]]


class Stub:
    """Answers request n with `script[n]` (the last entry repeats); records what it saw."""

    def __init__(self, script: list[Answer], upstream: str | None = None) -> None:
        self.script = script
        self.upstream = upstream
        self.seen: list[Seen] = []
        self.forwarded = 0
        self._lock = threading.Lock()

    def answer_for(self, index: int) -> Answer:
        return self.script[min(index, len(self.script) - 1)]

    def handle(
        self, path: str, body: bytes, content_type: str
    ) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            index = len(self.seen)
            self.seen.append(Seen(time.monotonic(), path, parse_qs(body.decode())))
        answer = self.answer_for(index)
        if answer.forward:
            assert self.upstream is not None
            real = httpx.post(
                self.upstream + path, content=body, headers={"content-type": content_type}
            )
            with self._lock:
                self.forwarded += 1
            if answer.status is None:
                return real.status_code, {}, real.content
        return answer.status or 200, answer.headers, answer.body


@contextmanager
def running(stub: Stub) -> Iterator[str]:
    """Serve `stub` on a free loopback port; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            status, headers, payload = stub.handle(
                self.path, body, self.headers.get("content-type", "")
            )
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
