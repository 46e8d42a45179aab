"""Import throughput: a generated JSONL file of events through `cairn import` into SQLite.

Times the import itself (read, check, append durably to the inbox, checkpoint) and, separately,
the pipeline applying what was imported. Prints rows per second for each.

    python bench/import.py [--rows 1000000] [--profiles 100000] [--jobs 1] [--no-apply]

The machine's load from other processes shows in the wall-clock figure; the CPU seconds
(this process and the converting ones) show what the import itself costs.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import orjson

from cairn.accounts.actions import do_create_account
from cairn.dataio.importer import Importer
from cairn.dataio.sources import RowReader, fingerprint
from cairn.inbox.records import Kind
from cairn.pipeline.worker import Worker
from cairn.store import open_store

METRICS = ("Placed Order", "Viewed Product", "Started Checkout", "Added to Cart")


def generate(path: Path, rows: int, profiles: int) -> None:
    with path.open("wb") as file:
        for i in range(rows):
            row = {
                "event": METRICS[i % len(METRICS)],
                "email": f"user{i % profiles}@example.com",
                "time": 1_600_000_000 + i,
                "$value": i % 100,
                "sku": f"sku-{i % 997}",
            }
            file.write(orjson.dumps(row) + b"\n")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=1, help="Processes converting rows.")
    parser.add_argument("--no-apply", action="store_true", help="Time the import only.")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cairn-bench-import-") as folder:
        source = Path(folder) / "events.jsonl"
        began = time.perf_counter()
        generate(source, options.rows, options.profiles)
        print(
            f"generated {options.rows:,} rows ({source.stat().st_size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - began:.1f} s"
        )
        store = open_store(f"sqlite:///{Path(folder) / 'store' / 'cairn.db'}")
        store.migrate()
        account = do_create_account(store, "Bench")
        importer = Importer(store, account.account_id, Kind.TRACK, jobs=options.jobs)
        began, cpu, children = time.perf_counter(), time.process_time(), children_cpu()
        with RowReader(source, "jsonl") as reader:
            summary = importer.run(reader, fingerprint(source))
        seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu
        converting = children_cpu() - children
        print(
            f"import   {summary.accepted:,} rows, {options.jobs} converting process(es), "
            f"in {seconds:.1f} s: "
            f"{summary.accepted / seconds:,.0f} rows/s into the SQLite inbox "
            f"(CPU: this process {cpu_seconds:.1f} s, converting processes {converting:.1f} s, "
            f"{summary.accepted / (cpu_seconds + converting):,.0f} rows per CPU-second in all)"
        )
        if not options.no_apply:
            began = time.perf_counter()
            applied = Worker(store, batch_size=5000).drain()
            seconds = time.perf_counter() - began
            print(
                f"pipeline {applied:,} rows applied in {seconds:.1f} s: "
                f"{applied / seconds:,.0f} rows/s into the SQLite store"
            )
        store.close()


if __name__ == "__main__":
    main()
