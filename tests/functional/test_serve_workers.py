"""`cairn serve --workers N`: N HTTP processes answer on one port, on either backend."""

from __future__ import annotations

from pathlib import Path

from cairn.store import open_store
from support.live import LiveServer
from support.load import Request, send_all
from support.observe import wait_for
from support.payloads import track


def http_processes(server: LiveServer) -> int:
    """Children of `cairn serve` started by uvicorn's multi-process mode."""
    assert server.process is not None
    count = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines())
            cmdline = (status.parent / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if fields.get("PPid", "").strip() == str(server.process.pid) and b"spawn_main" in cmdline:
            count += 1
    return count


def test_two_http_processes_share_the_port(tmp_path: Path, database_url: str) -> None:
    server = LiveServer(tmp_path / "live", ["--workers", "2"], database_url=database_url)
    server.start()
    try:
        assert http_processes(server) == 2
        requests = [
            Request("/api/track", track(server.public_key, email=f"u{n}@example.com"))
            for n in range(200)
        ]
        answers = send_all([server.base_url], requests, concurrency=8, processes=1)
        assert all(answer.accepted for answer in answers)
        store = open_store(database_url)
        wait_for(store.inbox_depth, lambda depth: depth == 0, 30)
        with store.read() as queries:
            stored = queries.one("SELECT count(*) FROM events")[0]
        store.close()
        assert stored == 200
    finally:
        server.stop()
