"""`cairn serve` restarts its pipeline worker when the worker dies."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import pytest

from support.live import LiveServer
from support.observe import counts, store_of, wait_for
from support.payloads import b64, track


def worker_pids(server: LiveServer) -> list[int]:
    assert server.process is not None
    tasks = Path(f"/proc/{server.process.pid}/task")
    # A restarted worker is the child of the watching thread, so read every thread's children.
    return [int(pid) for task in tasks.iterdir() for pid in (task / "children").read_text().split()]


@pytest.mark.slow
def test_a_killed_worker_is_restarted_and_catches_up(live_server: LiveServer) -> None:
    first = wait_for(lambda: worker_pids(live_server), lambda pids: len(pids) == 1)
    os.kill(first[0], signal.SIGKILL)

    # Accepted while no worker runs: waits in the inbox for the restarted one.
    payload = track(live_server.public_key, email="after-crash@example.com")
    response = httpx.get(f"{live_server.base_url}/api/track", params={"data": b64(payload)})
    assert response.text == "1"

    replaced = wait_for(
        lambda: worker_pids(live_server), lambda pids: len(pids) == 1 and pids != first
    )
    assert replaced != first
    with store_of(live_server) as store:
        wait_for(lambda: counts(store).events, lambda events: events == 1)
