"""PostgreSQL pipeline and ingest throughput.

    .venv/bin/python bench/pipeline_pg.py [--database-url postgresql://…] [--events 40000]

Pipeline: for 1, 2 and 4 `cairn worker` processes (each run on a fresh database), the workers
start on an empty inbox and take their lanes; then one commit puts --events tracks (over
--profiles profiles, every tenth an identify) in the inbox, and the clock runs until the inbox
is empty: events applied per second.

Ingest: `cairn serve --no-worker --workers N` for N = 1 and 2, loaded by wrk with one Track
request over --connections connections for --seconds: requests answered per second.

Without --database-url a throwaway cluster is made with Debian's PostgreSQL (fsync on, the
defaults otherwise). The URL's role must be allowed to create databases.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from cairn.accounts.actions import do_create_account
from cairn.inbox.records import InboxRecord
from cairn.store import Store, open_store
from support.inbox import append_all, as_ingested
from support.live import LiveServer
from support.observe import wait_for
from support.payloads import b64, identify, track
from support.postgres import PostgresCluster, PostgresServer

LANES = 64


def records(account_id: int, token: str, events: int, profiles: int) -> list[InboxRecord]:
    """Tracks with a value and an item, every tenth record an identify instead."""
    payloads = []
    for n in range(events):
        email = f"user{n % profiles}@example.com"
        if n % 10 == 9:
            payloads.append(identify(token, **{"$email": email, "seen": n}))
        else:
            properties = {"$event_id": n, "$value": n % 100, "item": f"sku-{n % 500}"}
            payloads.append(track(token, "Viewed", email, properties=properties))
    return [as_ingested(account_id, payload) for payload in payloads]


def lanes_held_by(store: Store, workers: int) -> bool:
    with store.read() as queries:
        owners = queries.all(
            "SELECT owner, count(*) FROM partition_leases WHERE expires_at > now() GROUP BY owner"
        )
    return len(owners) == workers and sum(count for _, count in owners) == LANES


def pipeline_run(url: str, workers: int, events: int, profiles: int, log: Path) -> float:
    store = open_store(url)
    store.migrate()
    account = do_create_account(store, "Bench")
    batch = records(account.account_id, account.public_key, events, profiles)
    command = [sys.executable, "-m", "cairn", "worker", "--database-url", url]
    processes = [subprocess.Popen(command, stderr=log.open("ab")) for _ in range(workers)]
    try:
        wait_for(lambda: lanes_held_by(store, workers), bool, 60)
        append_all(store, batch)
        started = time.monotonic()
        wait_for(store.inbox_depth, lambda depth: depth == 0, 600)
        elapsed = time.monotonic() - started
        with store.read() as queries:
            applied = queries.one("SELECT count(*) FROM events")[0]
        expected = events - events // 10
        assert applied == expected, f"{applied} events applied, {expected} expected"
        return events / elapsed
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait()
        store.close()


def ingest_run(url: str, http_workers: int, seconds: int, connections: int, folder: Path) -> float:
    # One public key carries the whole load: its ingest rate limit is lifted out of reach.
    os.environ.setdefault("CAIRN_INGEST_RATE_PER_SECOND", "1e9")
    server = LiveServer(folder, ["--no-worker", "--workers", str(http_workers)], database_url=url)
    server.start()
    try:
        query = b64(track(server.public_key, "Viewed", "wrk@example.com"))
        target = f"{server.base_url}/api/track?data={query}"
        result = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", target],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        server.stop()
    [line] = [line for line in result.splitlines() if line.startswith("Requests/sec:")]
    return float(line.split()[1])


@contextmanager
def server_for(url: str | None) -> Iterator[PostgresServer]:
    if url:
        yield PostgresServer(url)
        return
    with PostgresCluster({"fsync": "on", "full_page_writes": "on"}) as cluster:
        yield cluster.server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a server to create the bench databases on")
    parser.add_argument("--events", type=int, default=40_000)
    parser.add_argument("--profiles", type=int, default=4_000)
    parser.add_argument("--workers", default="1,2,4", help="worker counts to measure")
    parser.add_argument("--seconds", type=int, default=10, help="length of each ingest run")
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cairn-bench-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        server = stack.enter_context(server_for(args.database_url))
        print(f"pipeline: {args.events} inbox records over {args.profiles} profiles")
        for workers in (int(n) for n in args.workers.split(",") if n):
            with server.fresh_database() as url:
                rate = pipeline_run(url, workers, args.events, args.profiles, folder / "w.log")
            print(f"  {workers} worker(s): {rate:>9,.0f} records applied/s")
        if shutil.which("wrk") is None:
            print("ingest: skipped (wrk is not installed)")
            return
        print(f"ingest: wrk, {args.connections} connections, {args.seconds}s, one Track request")
        for http_workers in (1, 2):
            with server.fresh_database() as url:
                rate = ingest_run(
                    url,
                    http_workers,
                    args.seconds,
                    args.connections,
                    folder / f"serve{http_workers}",
                )
            print(f"  serve --workers {http_workers}: {rate:>9,.0f} requests/s")


if __name__ == "__main__":
    main()
