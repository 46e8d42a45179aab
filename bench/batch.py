"""Batch Track ingest: events/s made durable through `POST /api/track/batch` on loopback.

    .venv/bin/python bench/batch.py [--seconds 10] [--connections 8] [--batch 1000]

Starts a real `cairn serve --no-worker` on a fresh data folder, as a separate process, and drives
it with Debian's `wrk` (one thread, `bench/track.lua`) sending JSON arrays of `--batch` valid
Track payloads (a different event id on every payload, profiles cycling over `--profiles`). Each
answer comes after its batch is committed (synchronous=FULL). Prints batches/s, events/s,
latency, the server's peak RSS and CPU time per event, then checks the inbox holds every event
of every answered batch.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import orjson

from harness import (
    cairn_server,
    cpu_seconds,
    peak_rss_mb,
    run_wrk,
    server_pid,
    table,
    track_payload,
)
from ingest import inbox_counts


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="length of the wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--batch", type=int, default=1000, help="payloads per request")
    parser.add_argument("--bodies", type=int, default=50, help="distinct request bodies")
    parser.add_argument("--profiles", type=int, default=10_000)
    return parser.parse_args()


def write_batches(path: Path, token: str, bodies: int, size: int, profiles: int) -> Path:
    """Lines for `track.lua`, one JSON array of `size` Track payloads each."""
    now = int(time.time())
    with path.open("w") as out:
        for b in range(bodies):
            payloads = [track_payload(token, b * size + n, profiles, now) for n in range(size)]
            out.write(
                f"POST\t/api/track/batch\tapplication/json\t{orjson.dumps(payloads).decode()}\n"
            )
    return path


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="cairn-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        with cairn_server(data_dir, "--no-worker") as cairn:
            requests = write_batches(
                Path(tmp) / "batches.tsv", cairn.public_key, args.bodies, args.batch, args.profiles
            )
            pid = server_pid(cairn)
            warm = run_wrk(cairn.base_url, requests, seconds=2, connections=args.connections)
            before = cpu_seconds(pid)
            result = run_wrk(
                cairn.base_url, requests, seconds=args.seconds, connections=args.connections
            )
            cpu_us = (cpu_seconds(pid) - before) / max(1, result.requests * args.batch) * 1e6
            rss = peak_rss_mb(pid)
        accepted, refused = inbox_counts(data_dir)
    answered = (warm.requests + result.requests) * args.batch
    rows = [
        ["batches/s", "events/s", "p50 ms", "p99 ms", "max ms", "errors", "CPU µs/event"],
        [
            f"{result.rate:,.0f}",
            f"{result.rate * args.batch:,.0f}",
            f"{result.p50_ms:.1f}",
            f"{result.p99_ms:.1f}",
            f"{result.max_ms:.1f}",
            str(result.errors + result.status_errors),
            f"{cpu_us:.2f}",
        ],
    ]
    print(
        f"\nBatch Track, {args.batch} payloads per request (JSON array), "
        f"wrk -t1 -c{args.connections} -d{args.seconds:g}s\n"
    )
    print(table(rows))
    print(f"\nbatch events/s: {result.rate * args.batch:,.0f}")
    print(f"server CPU per event: {cpu_us:.2f} µs (less sensitive to other load on the machine)")
    print(f"peak RSS: cairn serve {rss:.0f} MB")
    print(
        f"inbox: {accepted:,} events accepted, {refused} refused;"
        f" wrk counted {answered:,} events answered (warm-up included)"
    )
    if accepted < answered or refused:
        print("WARNING: some answered events have no record in the inbox")


if __name__ == "__main__":
    main()
