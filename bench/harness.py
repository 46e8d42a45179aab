"""What the benchmarks share: server processes, the `wrk` load generator, payloads, RSS.

Every process a benchmark starts is its own process on loopback, and every wait is bounded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.live import LiveServer, free_port  # noqa: E402

__all__ = ["LiveServer", "free_port"]

LUA_SCRIPT = BENCH / "track.lua"


# --- processes ---------------------------------------------------------------------------


def peak_rss_mb(pid: int) -> float:
    """Peak resident set (VmHWM) of a live process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by a live process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


@contextmanager
def http_process(
    command: list[str], port: int, **popen: object
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`command`, serving on loopback `port`; yields (base URL, process) once `/` answers 200."""
    process = subprocess.Popen(command, **popen)  # type: ignore[call-overload]
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_http(base_url + "/", process)
        yield base_url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def ceiling_server() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`bench/ceiling_app.py` on a free port; yields (base URL, process)."""
    port = free_port()
    with http_process([sys.executable, str(BENCH / "ceiling_app.py"), str(port)], port) as served:
        yield served


@contextmanager
def cairn_server(data_dir: Path, *extra_args: str) -> Iterator[LiveServer]:
    """A real `cairn serve` on a fresh data folder; its Demo public key is read from the banner.

    One public key carries the whole load here, so its ingest rate limit is raised out of reach
    (unless set already): the limiter still runs on every request but never refuses one."""
    os.environ.setdefault("CAIRN_INGEST_RATE_PER_SECOND", "1e9")
    server = LiveServer(data_dir, extra_args=list(extra_args))
    server.start()
    try:
        if not server.public_key:
            raise RuntimeError("cairn serve printed no public key")
        yield server
    finally:
        server.stop()


def server_pid(server: LiveServer) -> int:
    assert server.process is not None, "server is not running"
    return server.process.pid


# --- payloads ----------------------------------------------------------------------------


def track_payload(token: str, n: int, profiles: int, now: int) -> dict[str, object]:
    """A realistic Track payload; the profile cycles over `profiles`, the event id is unique."""
    return {
        "token": token,
        "event": "Placed Order" if n % 4 else "Viewed Product",
        "customer_properties": {
            "$email": f"customer{n % profiles}@example.com",
            "$first_name": "Ada",
            "plan": "gold" if n % 3 else "silver",
        },
        "properties": {
            "$event_id": f"bench-{now}-{n}",
            "$value": round(10 + (n % 97) * 1.25, 2),
            "ItemNames": ["Boots", "Socks"],
            "Brand": "Cairn",
        },
        "time": now,
    }


def request_lines(token: str, count: int, profiles: int, method: str) -> Iterator[str]:
    """Lines for `track.lua`: a POST form (`data=` URL-encoded JSON) or a GET with base64."""
    import base64

    now = int(time.time())
    for n in range(count):
        raw = orjson.dumps(track_payload(token, n, profiles, now))
        if method == "post":
            body = "data=" + urllib.parse.quote_plus(raw)
            yield f"POST\t/api/track\tapplication/x-www-form-urlencoded\t{body}"
        else:
            data = urllib.parse.quote_plus(base64.b64encode(raw))
            yield f"GET\t/api/track?data={data}\t\t"


def write_requests(path: Path, token: str, count: int, profiles: int, method: str) -> Path:
    with path.open("w") as out:
        for line in request_lines(token, count, profiles, method):
            out.write(line + "\n")
    return path


# --- load --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    errors: int
    status_errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def run_wrk(
    base_url: str,
    requests_file: Path,
    *,
    seconds: float,
    connections: int,
    threads: int = 1,
    mean_delay_ms: float | None = None,
) -> WrkResult:
    """One bounded `wrk` run with `track.lua`; `mean_delay_ms` paces each connection."""
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "5s",
        "-s",
        str(LUA_SCRIPT),
        base_url,
        "--",
        str(requests_file),
    ]
    if mean_delay_ms is not None:
        command.append(f"{mean_delay_ms:.3f}")
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith('{"requests"'))
    figures = json.loads(line)
    return WrkResult(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        errors=figures["errors"],
        status_errors=figures["status_errors"],
        p50_ms=figures["p50"] / 1000,
        p90_ms=figures["p90"] / 1000,
        p99_ms=figures["p99"] / 1000,
        max_ms=figures["max"] / 1000,
    )


def run_wrk_at_rate(
    base_url: str,
    requests_file: Path,
    *,
    rate: float,
    seconds: float,
    connections: int,
) -> WrkResult:
    """`wrk` paced to about `rate` requests/s. wrk waits its delay after each answer (a closed
    loop), so a connection's rate is 1 / (delay + latency): with many connections the delay is
    long next to the latency, and the offered rate stays close to `rate` without calibration."""
    return run_wrk(
        base_url,
        requests_file,
        seconds=seconds,
        connections=connections,
        mean_delay_ms=1000 * connections / rate,
    )


# --- figures -----------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


def table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
