"""The pipeline on SQLite: events applied per second, and end-to-end lag under a steady load.

    .venv/bin/python bench/pipeline.py [--events 200000] [--profiles 20000] [--rate 5000]

1. Throughput: fills the inbox of a fresh store with `--events` Track payloads over `--profiles`
   profiles straight through the store's inbox appender (no HTTP), then times a separate worker
   process draining it (`Worker.drain()`), and prints events applied/s and the worker's peak RSS.
2. Lag: a real `cairn serve` (with its worker) on another fresh folder receives `--rate` Track
   requests/s from `wrk` for `--seconds`; the lag of every event is applied_at − received_at
   (columns of `events`), and "visible" lag is when a reader polling the events table every
   `--poll-ms` first saw it − received_at (that includes the commit).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import orjson

from cairn.accounts.actions import do_create_account
from cairn.inbox.records import InboxRecord, Kind
from cairn.ingest.partition import partition_of
from cairn.pipeline.worker import Worker
from cairn.store import open_store
from harness import (
    cairn_server,
    child_pids,
    peak_rss_mb,
    percentile,
    run_wrk_at_rate,
    server_pid,
    table,
    track_payload,
    write_requests,
)

FILL_CHUNK = 10_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--profiles", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=1000, help="worker batch size")
    parser.add_argument("--rate", type=float, default=5000, help="offered requests/s for lag")
    parser.add_argument("--seconds", type=float, default=10, help="length of the lag run")
    parser.add_argument("--connections", type=int, default=256, help="paced wrk connections")
    parser.add_argument("--poll-ms", type=float, default=5)
    parser.add_argument("--skip-lag", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--drain", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    return parser.parse_args()


def fill_inbox(database_url: str, events: int, profiles: int) -> float:
    """Appends `events` Track payloads in chunks; returns the seconds it took."""
    store = open_store(database_url)
    store.migrate()
    account = do_create_account(store, "Bench")
    appender = store.inbox_appender()
    now = int(time.time())
    started = time.perf_counter()
    for start in range(0, events, FILL_CHUNK):
        records = []
        for n in range(start, min(events, start + FILL_CHUNK)):
            payload = track_payload(account.public_key, n, profiles, now)
            records.append(
                InboxRecord(
                    Kind.TRACK,
                    account.account_id,
                    time.time(),
                    partition_of(Kind.TRACK, payload),
                    orjson.dumps(payload),
                )
            )
        appender.append(records)
    elapsed = time.perf_counter() - started
    appender.close()
    store.close()
    return elapsed


def drain(database_url: str, batch_size: int) -> None:
    """Runs in the worker process: drain the inbox, print one JSON line of figures."""
    store = open_store(database_url)
    worker = Worker(store, batch_size=batch_size)
    started, cpu_started = time.perf_counter(), time.process_time()
    applied = worker.drain()
    worker.trim()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    with store.read() as queries:
        events = queries.one("SELECT count(*) FROM events")[0]
    store.close()
    figures = {
        "applied": applied,
        "events": events,
        "rejected": worker.totals.rejected,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "rss_mb": peak_rss_mb(os.getpid()),
    }
    print(json.dumps(figures))


def throughput(args: argparse.Namespace, folder: Path) -> list[list[str]]:
    database_url = f"sqlite:///{folder / 'cairn.db'}"
    fill_seconds = fill_inbox(database_url, args.events, args.profiles)
    done = subprocess.run(
        [sys.executable, __file__, "--drain", database_url, "--batch-size", str(args.batch_size)],
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    rate = figures["applied"] / figures["seconds"]
    print(
        f"filled {args.events:,} inbox records in {fill_seconds:.1f} s"
        f" ({args.events / fill_seconds:,.0f}/s, not HTTP)"
    )
    print(
        f"worker: {figures['applied']:,} applied ({figures['events']:,} events,"
        f" {figures['rejected']} rejected) in {figures['seconds']:.2f} s"
        f" = {rate:,.0f} events/s; peak RSS {figures['rss_mb']:.0f} MB"
    )
    cpu_rate = figures["applied"] / figures["cpu_seconds"]
    print(
        f"worker CPU time {figures['cpu_seconds']:.2f} s = {cpu_rate:,.0f} events per CPU-second"
        " (what one free core would do, less sensitive to other load on the machine)"
    )
    return [
        ["pipeline events/s (SQLite)", f"{rate:,.0f}"],
        ["pipeline events per worker CPU-second", f"{cpu_rate:,.0f}"],
        ["worker peak RSS (drain)", f"{figures['rss_mb']:.0f} MB"],
    ]


class VisibilityPoller(threading.Thread):
    """Reads new events every `interval` and notes when each became visible."""

    def __init__(self, path: Path, interval: float) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.interval = interval
        self.lags: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=5)
        last_id = 0
        while not self.stop.is_set():
            rows = connection.execute(
                "SELECT id, received_at FROM events WHERE id > ? ORDER BY id", (last_id,)
            ).fetchall()
            seen = time.time()
            if rows:
                last_id = rows[-1][0]
                self.lags.extend(seen - received for _, received in rows)
            self.stop.wait(self.interval)
        connection.close()


def lag(args: argparse.Namespace, folder: Path) -> list[list[str]]:
    with cairn_server(folder / "data") as server:
        payloads = int(args.rate * (args.seconds + 5) * 1.2)
        requests = write_requests(
            folder / "requests.tsv", server.public_key, payloads, args.profiles, "post"
        )
        db_path = folder / "data" / "cairn.db"
        poller = VisibilityPoller(db_path, args.poll_ms / 1000)
        poller.start()
        result = run_wrk_at_rate(
            server.base_url,
            requests,
            rate=args.rate,
            seconds=args.seconds,
            connections=args.connections,
        )
        caught_up = _wait_caught_up(folder / "data", time.monotonic() + 60)
        time.sleep(3 * args.poll_ms / 1000)
        poller.stop.set()
        poller.join(timeout=5)
        worker_rss = max(peak_rss_mb(pid) for pid in child_pids(server_pid(server)))
        server_rss = peak_rss_mb(server_pid(server))
        with sqlite3.connect(db_path, timeout=5) as connection:
            applied = sorted(
                a - r for a, r in connection.execute("SELECT applied_at, received_at FROM events")
            )
    visible = sorted(poller.lags)
    print(
        f"lag run: offered {args.rate:,.0f} req/s, wrk got {result.rate:,.0f} req/s"
        f" (p99 {result.p99_ms:.2f} ms); {len(applied):,} events applied for"
        f" {result.requests:,} answered (each had its own event id)"
        f"{'' if caught_up else ' (worker had NOT caught up after 60 s)'}"
    )
    if len(applied) < result.requests:
        print("WARNING: fewer events applied than requests answered")
    ms = 1000
    return [
        [
            "lag received→applied p50 / p99",
            f"{percentile(applied, 0.5) * ms:.0f} / {percentile(applied, 0.99) * ms:.0f} ms",
        ],
        [
            "lag received→visible p50 / p99",
            f"{percentile(visible, 0.5) * ms:.0f} / {percentile(visible, 0.99) * ms:.0f} ms",
        ],
        ["server / worker peak RSS (lag run)", f"{server_rss:.0f} / {worker_rss:.0f} MB"],
    ]


def _wait_caught_up(data_dir: Path, deadline: float) -> bool:
    """True once the worker's cursor reaches the last inbox record."""
    with sqlite3.connect(data_dir / "cairn.db", timeout=5) as connection:
        connection.execute("ATTACH DATABASE ? AS inbox", (str(data_dir / "cairn.inbox.db"),))
        while time.monotonic() < deadline:
            (pending,) = connection.execute(
                "SELECT count(*) FROM inbox.records WHERE id >"
                " (SELECT value FROM pipeline_state WHERE name = 'inbox_cursor')"
            ).fetchone()
            if pending == 0:
                return True
            time.sleep(0.05)
    return False


def main() -> None:
    args = parse_args()
    if args.drain:
        drain(args.drain, args.batch_size)
        return
    rows = [["figure", "value"]]
    with tempfile.TemporaryDirectory(prefix="cairn-bench-") as tmp:
        if not args.skip_throughput:
            rows += throughput(args, Path(tmp) / "throughput")
        if not args.skip_lag:
            rows += lag(args, Path(tmp) / "lag")
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
