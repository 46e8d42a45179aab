"""Segments: pipeline throughput with 20 live segments versus none, and full rebuilds.

    .venv/bin/python bench/segments.py [--profiles 100000] [--events 1000000]

Builds the same inbox twice (an Identify per profile, then Track events over five metrics, times
spread over the last 120 days) straight through the store's inbox appender, no HTTP. One store
has no segments, the other the 20 segments below, defined before the data arrives. A worker
drains each (same process, one after the other) and the script prints entries/s for both, the
ratio (target ≥ 0.7) by wall and by CPU time (steadier on a shared machine), and then the time of
the full rebuild (`cairn segment rebuild`) of three new segments over the loaded store: two on
events (one with a window, one with a property filter) and one on a profile property.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from cairn.accounts.actions import do_create_account
from cairn.inbox.records import InboxRecord, Kind
from cairn.ingest.views import partition_of
from cairn.pipeline.worker import Worker
from cairn.segments.actions import do_create_segment, do_rebuild_segment
from cairn.store import Store, open_store

DAY = 86400
CHUNK = 20_000
METRICS = ["Placed Order", "Viewed Product", "Added to Cart", "Opened Email", "Clicked Email"]
WEIGHTS = [1, 4, 2, 3, 1]
PLANS = ["Gold", "Silver", "Bronze"]
CITIES = ["Paris", "Lyon", "Berlin", "Austin", "Osaka", "Lima"]
CATEGORIES = ["Shoes", "Hats", "Bags", "Coats"]


def event(metric: str, days: int, **more: Any) -> dict[str, Any]:
    return {"type": "event", "metric": metric, "within_last_days": days, **more}


def prop(name: str, op: str, **operands: Any) -> dict[str, Any]:
    return {"type": "property", "property": name, "op": op, **operands}


def segments(now: int) -> dict[str, Any]:
    return {
        "Gold": prop("Plan", "equals", value="Gold"),
        "25 to 34": prop("age", "between", values=[25, 34]),
        "Cities": prop("city", "in", values=["Paris", "Lyon"]),
        "Email consent": {"type": "consent", "channel": "email"},
        "New sign-ups": prop("signed_up", "within_last_days", days=30),
        "Buyers": {"type": "event", "metric": "Placed Order"},
        "Frequent buyers": event("Placed Order", 30, count=3),
        "Browsers not buying": {
            "and": [
                event("Placed Order", 60, op="never"),
                event("Viewed Product", 7, count=1),
            ]
        },
        "Big spenders": {
            "type": "event",
            "metric": "Placed Order",
            "where": [{"property": "$value", "op": "greater", "value": 150}],
        },
        "Heavy browsers": event("Viewed Product", 14, count=5),
        "Abandoned cart": {
            "and": [event("Added to Cart", 3), event("Placed Order", 3, op="never")]
        },
        "Engaged": {"or": [event("Opened Email", 30, count=2), event("Clicked Email", 30)]},
        "Repeat non-gold": {
            "and": [
                prop("Plan", "not_equals", value="Gold"),
                {"type": "event", "metric": "Placed Order", "count": 2},
            ]
        },
        "A names": prop("$first_name", "starts_with", value="A"),
        "Example domain": prop("$email", "contains", value="example"),
        "Last quarter buyers": {
            "type": "event",
            "metric": "Placed Order",
            "between": [now - 90 * DAY, now - 30 * DAY],
        },
        "Shoe lookers": {
            "type": "event",
            "metric": "Viewed Product",
            "where": [{"property": "Category", "op": "equals", "value": "Shoes"}],
        },
        "Age outliers": {"or": [prop("age", "greater", value=60), prop("age", "less", value=20)]},
        "One-time buyers": {"type": "event", "metric": "Placed Order", "op": "exactly", "count": 1},
        "No plan": prop("Plan", "is_not_set"),
    }


def email(n: int) -> str:
    return f"user{n}@{'example.com' if n % 3 else 'mail.test'}"


def payloads(token: str, profiles: int, events: int, now: int) -> Iterator[tuple[Kind, bytes]]:
    """The same stream on every call (fixed seed)."""
    rng = random.Random(7)
    for n in range(profiles):
        properties = {
            "$email": email(n),
            "$first_name": rng.choice(["Ada", "Bo", "Cy", "Al", "Di"]),
            "Plan": rng.choice(PLANS) if n % 5 else None,
            "age": rng.randint(16, 80),
            "city": rng.choice(CITIES),
            "signed_up": now - rng.randint(0, 365) * DAY,
            "$consent": ["email", "web"] if n % 2 else ["sms"],
        }
        yield Kind.IDENTIFY, orjson.dumps({"token": token, "properties": properties})
    for i in range(events):
        metric = rng.choices(METRICS, WEIGHTS)[0]
        payload = {
            "token": token,
            "event": metric,
            "customer_properties": {"$email": email(rng.randrange(profiles))},
            "properties": {
                "$event_id": str(i),
                "$value": round(rng.uniform(5, 300), 2),
                "Category": rng.choice(CATEGORIES),
            },
            "time": now - rng.randint(0, 120 * DAY),
        }
        yield Kind.TRACK, orjson.dumps(payload)


def fill(store: Store, account_id: int, records: Iterator[tuple[Kind, bytes]]) -> None:
    appender = store.inbox_appender()
    received = time.time()
    while chunk := list(itertools.islice(records, CHUNK)):
        appender.append(
            [
                InboxRecord(kind, account_id, received, partition_of(kind, orjson.loads(raw)), raw)
                for kind, raw in chunk
            ]
        )
    appender.close()


def drain(store: Store) -> tuple[int, int, float, float]:
    """Entries applied, events, wall seconds and CPU seconds (the CPU figure is steadier on a
    shared machine)."""
    worker = Worker(store)
    started, cpu = time.perf_counter(), time.process_time()
    applied = worker.drain()
    return (
        applied,
        worker.totals.events,
        time.perf_counter() - started,
        time.process_time() - cpu,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--folder", type=Path, help="keep the stores here (default: temporary)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    now = int(time.time())
    with tempfile.TemporaryDirectory(prefix="cairn-bench-") as temporary:
        folder = args.folder or Path(temporary)
        wall: dict[str, float] = {}
        cpu: dict[str, float] = {}
        for label, defined in (("off", {}), ("on", segments(now))):
            store = open_store(f"sqlite:///{folder / label / 'cairn.db'}")
            store.migrate()
            account = do_create_account(store, "Bench")
            for name, definition in defined.items():
                do_create_segment(store, account.account_id, name, definition)
            fill(
                store,
                account.account_id,
                payloads(account.public_key, args.profiles, args.events, now),
            )
            applied, events, seconds, cpu_seconds = drain(store)
            wall[label], cpu[label] = applied / seconds, applied / cpu_seconds
            print(
                f"segments {label:>3} ({len(defined):2} defined): {applied:,} entries"
                f" ({events:,} events) in {seconds:.1f} s = {applied / seconds:,.0f} entries/s"
                f" ({cpu_seconds:.1f} CPU s = {applied / cpu_seconds:,.0f} entries/CPU s)"
            )
            if label == "on":
                with store.read() as queries:
                    members = queries.one("SELECT count(*) FROM segment_members")[0]
                    rechecks = queries.one("SELECT count(*) FROM segment_rechecks")[0]
                print(f"  {members:,} memberships, {rechecks:,} pending rechecks")
                for name in ("Frequent buyers", "Shoe lookers", "Gold"):
                    # A new segment on the loaded store: every member enters in the rebuild.
                    fresh = do_create_segment(
                        store, account.account_id, f"{name} (new)", defined[name]
                    )
                    started = time.perf_counter()
                    result = do_rebuild_segment(store, account.account_id, fresh.id)
                    print(
                        f"  full rebuild of a new {name!r}: {result.profiles:,} profiles in"
                        f" {time.perf_counter() - started:.1f} s ({result.entered:,} entered)"
                    )
            store.close()
        print(
            f"throughput on/off: {wall['on'] / wall['off']:.2f} by wall time,"
            f" {cpu['on'] / cpu['off']:.2f} by CPU time (target ≥ 0.70)"
        )


if __name__ == "__main__":
    main()
