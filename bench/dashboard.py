"""Dashboard page speed on a large store: fills one account through the bulk path, then times
each page server-side (the Server-Timing header) and prints the figures.

    python bench/dashboard.py --events 1000000 --profiles 100000
    python bench/dashboard.py --data DIR --reuse      # time pages of a store filled before
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
from starlette.applications import Starlette
from starlette.testclient import TestClient

from cairn.accounts.actions import do_create_account
from cairn.dashboard.app import dashboard_routes
from cairn.store import Store, open_store
from cairn.store.bulk import EventValues, insert_events, insert_profiles

DAY = 86400
BATCH = 50_000
# Metric name → share of events; Placed Order carries $value.
METRICS = {
    "Active on Site": 0.40,
    "Viewed Product": 0.25,
    "Added to Cart": 0.10,
    "Started Checkout": 0.06,
    "Placed Order": 0.05,
    "Ordered Product": 0.05,
    "Opened Email": 0.05,
    "Clicked Email": 0.02,
    "Subscribed to List": 0.01,
    "Fulfilled Order": 0.01,
}
BRANDS = [f"Brand {i:02d}" for i in range(30)]
RECENT_SHARE = 0.01  # of events received in the last hour (the ingest health window)
REASONS = [
    "no identifier ($email, $phone_number, $id or $exchange_id)",
    "time is not a unix timestamp",
    "$value is not numeric",
]


def fill(store: Store, profiles: int, events: int, seed: int = 7) -> tuple[str, dict[str, int]]:
    """One account with `profiles` and `events`; returns its private key and metric ids."""
    rng = random.Random(seed)
    account = do_create_account(store, "Bench shop")
    now = time.time()
    started = time.perf_counter()
    with store.transaction() as queries:
        metric_ids = {
            name: queries.insert_metric(account.account_id, name, now) for name in METRICS
        }
        insert_profiles(
            queries,
            (
                (
                    account.account_id,
                    f"user{i}@example.com",
                    f"+1555{i:07d}",
                    f"ext-{i}",
                    None,
                    orjson.dumps({"$first_name": f"User {i}", "Plan": rng.choice("ABC")}).decode(),
                    now - 400 * DAY,
                    now - 400 * DAY,
                )
                for i in range(profiles)
            ),
        )
        first_profile = int(queries.one("SELECT min(id) FROM profiles")[0])
        for i in range(10_000):
            queries.insert_rejection(
                account.account_id, "track", '{"event": "x"}', REASONS[i % 3], now - i, now - i
            )
    print(f"profiles: {profiles:,} in {time.perf_counter() - started:.1f}s")

    names, weights = list(METRICS), list(METRICS.values())
    ids = [metric_ids[name] for name in names]

    history = int(events * (1 - RECENT_SHARE))

    def arrival(n: int) -> float:
        """Events arrive in time order over a year, the last RECENT_SHARE in the last hour."""
        if n < history:
            return now - 365 * DAY + n / history * (365 * DAY - 3600)
        return now - 3600 + (n - history) / max(events - history, 1) * 3600

    def rows(count: int, offset: int) -> Iterator[EventValues]:
        for n in range(offset, offset + count):
            metric = rng.choices(range(len(ids)), weights)[0]
            # A long tail of heavy profiles: a few have thousands of events.
            profile = first_profile + min(int(rng.paretovariate(1.2)) - 1, profiles - 1)
            if rng.random() < 0.8:
                profile = first_profile + rng.randrange(profiles)
            received = arrival(n)
            value = round(rng.uniform(5, 300), 2) if names[metric] == "Placed Order" else None
            properties = (
                {"Brand": rng.choice(BRANDS), "$value": value}
                if value
                else {"Brand": rng.choice(BRANDS)}
            )
            yield (
                account.account_id,
                ids[metric],
                profile,
                int(received),
                value,
                str(n),
                orjson.dumps(properties).decode(),
                received,
                received + rng.expovariate(1 / 0.05),
            )

    started = time.perf_counter()
    for offset in range(0, events, BATCH):
        with store.transaction() as queries:
            insert_events(queries, rows(min(BATCH, events - offset), offset))
        done = offset + BATCH
        if done % 1_000_000 == 0:
            rate = done / (time.perf_counter() - started)
            print(f"  {done:,} events, {rate:,.0f} events/s", flush=True)
    elapsed = time.perf_counter() - started
    print(f"events: {events:,} in {elapsed:.1f}s ({events / elapsed:,.0f} events/s)")
    started = time.perf_counter()
    with store.transaction() as queries:
        queries.rebuild_rollups(account.account_id)
    print(f"metric rollups rebuilt in {time.perf_counter() - started:.1f}s")
    return account.private_key, metric_ids


def server_ms(client: TestClient, path: str, repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        timings.append(float(response.headers["server-timing"].split("dur=")[1]))
    return timings


def time_pages(store: Store, private_key: str, metric_ids: dict[str, int], repeat: int) -> None:
    client = TestClient(Starlette(routes=dashboard_routes(store)))
    page = client.get("/signin").text
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    client.post("/signin", data={"csrf": csrf, "private_key": private_key})
    with store.read() as queries:
        heavy = queries.one(
            "SELECT profile_id FROM events GROUP BY profile_id ORDER BY count(*) DESC LIMIT 1"
        )[0]
        events_of_heavy = queries.one("SELECT count(*) FROM events WHERE profile_id = ?", (heavy,))[
            0
        ]
    top = metric_ids["Active on Site"]
    order = metric_ids["Placed Order"]
    pages = [
        ("metrics, last 30 days", "/charts"),
        ("metrics, last 365 days", "/charts?from=" + _days_ago(364)),
        ("chart: largest metric, count per day, 30 days", f"/charts/{top}"),
        ("chart: largest metric, unique per day, 30 days", f"/charts/{top}?measurement=unique"),
        (
            "chart: largest metric, unique per month, 31 days",
            f"/charts/{top}?measurement=unique&unit=month&from={_days_ago(30)}",
        ),
        ("chart: largest metric, split by Brand, 30 days", f"/charts/{top}?by=Brand"),
        (
            "chart: largest metric, count per week, 365 days",
            f"/charts/{top}?unit=week&from={_days_ago(364)}",
        ),
        (
            "chart: Placed Order, $value per month, 365 days",
            f"/charts/{order}?unit=month&measurement=value&from={_days_ago(364)}",
        ),
        (
            "chart: Placed Order, $value by Brand, 31 days",
            f"/charts/{order}?measurement=value&by=Brand&from={_days_ago(30)}",
        ),
        ("profile search (email prefix)", "/profiles?q=user1234"),
        (f"profile page, heaviest profile ({events_of_heavy:,} events)", f"/profiles/{heavy}"),
        ("keys", "/keys"),
        ("ingest health", "/health"),
        ("ingest health, filtered by reason", "/health?reason=" + REASONS[1]),
    ]
    print(f"\n{'page':<58} {'median ms':>10} {'max ms':>8}   (server time, {repeat} runs)")
    for name, path in pages:
        timings = server_ms(client, path, repeat)
        print(f"{name:<58} {statistics.median(timings):>10.1f} {max(timings):>8.1f}")


def _days_ago(days: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() - days * DAY))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", type=Path, help="store folder (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true", help="time a store filled before")
    args = parser.parse_args()
    folder = args.data or Path(tempfile.mkdtemp(prefix="cairn-bench-dashboard-"))
    store = open_store(f"sqlite:///{folder / 'cairn.db'}")
    store.migrate()
    key_file = folder / "bench-key.json"
    if args.reuse:
        saved = orjson.loads(key_file.read_bytes())
        private_key, metric_ids = saved["private_key"], saved["metrics"]
    else:
        private_key, metric_ids = fill(store, args.profiles, args.events)
        key_file.write_bytes(orjson.dumps({"private_key": private_key, "metrics": metric_ids}))
    with store.read() as queries:
        count = queries.one("SELECT count(*) FROM events")[0]
    size = sum(p.stat().st_size for p in folder.glob("cairn.db*")) / 2**20
    print(f"store: {folder} ({count:,} events, {size:,.0f} MB)")
    time_pages(store, private_key, metric_ids, args.repeat)
    store.close()


if __name__ == "__main__":
    main()
