"""Metric export latency with 1M and 10M events in the store.

    python bench/export.py                      # 1M and 10M events
    python bench/export.py --events 1000000     # one size

Events are generated synthetically by a bulk path (one INSERT … SELECT over a recursive CTE,
then the rollups, property rollups too, rebuilt from the events, as the pipeline would have kept
them), so 10M events take minutes, not hours. Kinds marked "(scan)" read the events: unique
profiles split by a property have no rollup. A real `cairn serve --no-worker` then answers
metric exports over loopback HTTP, one request at a time; p50 and p99 are printed per kind.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from cairn.accounts.actions import do_create_account
from cairn.api import ids
from cairn.store import Queries, open_store

DAY = 86400
START = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())


def generate(
    queries: Queries, account_id: int, events: int, metrics: int, profiles: int, days: int
) -> list[int]:
    """Profiles, metrics and `events` events spread evenly over `days`; returns metric ids."""
    now = time.time()
    metric_ids = [queries.insert_metric(account_id, f"Metric {m}", now) for m in range(metrics)]
    first_profile = int(queries.one("SELECT coalesce(max(id), 0) + 1 FROM profiles")[0])
    queries.run(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)"
        " INSERT INTO profiles (id, account_id, email, properties, created_at, updated_at)"
        " SELECT ? + i, ?, 'p' || i || '@bench.test',"
        " '{\"$email\":\"p' || i || '@bench.test\"}', ?, ? FROM n",
        (profiles, first_profile, account_id, now, now),
    )
    first_metric = metric_ids[0]
    span = days * DAY
    queries.run(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)"
        " INSERT INTO events (account_id, metric_id, profile_id, time, value, event_id,"
        " properties, received_at, applied_at)"
        " SELECT ?, ? + i % ?, ? + (i * 7919) % ?, ? + (i * ?) / ?, i % 100 + 0.5,"
        " CAST(i AS TEXT),"
        " '{\"$value\":' || (i % 100 + 0.5) || ',\"Brand\":\"B' || (i % 5) || '\"}', ?, ?"
        " FROM n",
        (
            events,
            account_id,
            first_metric,
            metrics,
            first_profile,
            profiles,
            START,
            span,
            events,
            now,
            now,
        ),
    )
    queries.rebuild_rollups(account_id)
    return metric_ids


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CAIRN_API_RATE_BURST": "0"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cairn",
            "serve",
            "--no-worker",
            "--data",
            str(data),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("cairn serve did not start")


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(call: Callable[[], httpx.Response], requests: int) -> tuple[float, float]:
    for _ in range(5):
        call()  # warm up
    samples = []
    for _ in range(requests):
        began = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.text
    return statistics.median(samples), percentile(samples, 0.99)


def run(events: int, args: argparse.Namespace) -> None:
    data = Path(tempfile.mkdtemp(prefix="cairn-bench-export-"))
    try:
        store = open_store(f"sqlite:///{data / 'cairn.db'}")
        store.migrate()
        account = do_create_account(store, "Bench")
        began = time.perf_counter()
        with store.transaction() as queries:
            queries.run("PRAGMA cache_size = -1000000")
            metric_ids = generate(
                queries, account.account_id, events, args.metrics, args.profiles, args.days
            )
        loaded = time.perf_counter() - began
        store.close()
        size = sum(f.stat().st_size for f in data.iterdir()) / 2**30
        print(
            f"\n{events:,} events, {args.metrics} metrics, {args.profiles:,} profiles over "
            f"{args.days} days: generated in {loaded:.0f} s, store {size:.1f} GiB"
        )
        port = free_port()
        server = serve(data, port)
        try:
            report(port, account.private_key, metric_ids, args)
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(data, ignore_errors=True)


def report(port: int, key: str, metric_ids: list[int], args: argparse.Namespace) -> None:
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    chooser = random.Random(7)
    kinds = {
        "count by day (31 days)": {"measurement": "count"},
        "value by day": {"measurement": "value"},
        "unique by day": {"measurement": "unique"},
        "count by week": {"measurement": "count", "unit": "week"},
        "unique by month": {"measurement": "unique", "unit": "month"},
        "where Brand=B1": {"where": '[["Brand","=","B1"]]'},
        "by Brand": {"by": "Brand"},
        "unique by Brand (scan)": {"by": "Brand", "measurement": "unique"},
    }
    print(f"{'export':<26}{'p50 ms':>9}{'p99 ms':>9}")
    for name, params in kinds.items():
        scan = "scan" in name
        requests = args.scan_requests if scan else args.requests

        def call(params: dict[str, str] = params) -> httpx.Response:
            metric = ids.encode("metric", chooser.choice(metric_ids))
            first = datetime.fromtimestamp(START, UTC) + timedelta(
                days=chooser.randrange(args.days - 31)
            )
            window = {
                "start_date": first.date().isoformat(),
                "end_date": (first + timedelta(days=30)).date().isoformat(),
            }
            return client.get(
                f"/api/v1/metric/{metric}/export", params={"api_key": key, **window, **params}
            )

        p50, p99 = measure(call, requests)
        print(f"{name:<26}{p50:>9.1f}{p99:>9.1f}")
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--metrics", type=int, default=10)
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--scan-requests", type=int, default=30)
    args = parser.parse_args()
    for events in args.events:
        run(events, args)


if __name__ == "__main__":
    main()
