"""Single-event Track ingest: Cairn against the same server stack answering `1` with no work.

    .venv/bin/python bench/ingest.py [--seconds 10] [--connections 64] [--repeat 1]

Starts, as separate processes on loopback, a real `cairn serve --no-worker` on a fresh data
folder and `bench/ceiling_app.py` (same `cairn.serving.run_http`, same flags). Drives both with
Debian's `wrk` (one thread, `bench/track.lua`): valid Track payloads with the Demo account's
public key, a different event id on every request and profiles cycling over `--profiles`. Then
paces `wrk` at `--load` of Cairn's best measured rate (exponential delays between requests on
each of `--paced-connections`, so many that the delay dwarfs the latency in wrk's closed loop)
and reports that p99. Finally checks that the inbox holds every request answered, and prints
the servers' peak RSS and CPU time per request (the latter is less disturbed by other load).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
from pathlib import Path

from harness import (
    WrkResult,
    cairn_server,
    ceiling_server,
    cpu_seconds,
    peak_rss_mb,
    run_wrk,
    run_wrk_at_rate,
    server_pid,
    table,
    write_requests,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="length of each wrk run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=1, help="max-rate runs of each server")
    parser.add_argument("--load", type=float, default=0.5, help="paced run, share of Cairn's max")
    parser.add_argument("--paced-connections", type=int, default=256)
    parser.add_argument("--profiles", type=int, default=1000)
    parser.add_argument("--payloads", type=int, default=20_000, help="distinct requests")
    parser.add_argument(
        "--method",
        choices=("post", "get"),
        default="post",
        help="POST url-encoded form, or GET with base64 data",
    )
    return parser.parse_args()


def row(name: str, result: WrkResult) -> list[str]:
    return [
        name,
        f"{result.rate:,.0f}",
        f"{result.p50_ms:.2f}",
        f"{result.p90_ms:.2f}",
        f"{result.p99_ms:.2f}",
        f"{result.max_ms:.1f}",
        str(result.errors + result.status_errors),
    ]


def inbox_counts(data_dir: Path) -> tuple[int, int]:
    """(records accepted, records noted as refused) in the inbox file."""
    with sqlite3.connect(data_dir / "cairn.inbox.db") as connection:
        accepted, refused = connection.execute(
            "SELECT count(*) FILTER (WHERE note IS NULL), count(*) FILTER (WHERE note IS NOT NULL)"
            " FROM records"
        ).fetchone()
    return int(accepted), int(refused)


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="cairn-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        with (
            cairn_server(data_dir, "--no-worker") as cairn,
            ceiling_server() as (ceiling_url, ceiling),
        ):
            requests = write_requests(
                Path(tmp) / "requests.tsv",
                cairn.public_key,
                args.payloads,
                args.profiles,
                args.method,
            )

            pids = {"cairn": server_pid(cairn), "ceiling": ceiling.pid}
            urls = {"cairn": cairn.base_url, "ceiling": ceiling_url}
            cpu_us: dict[str, list[float]] = {"cairn": [], "ceiling": []}

            def load(name: str, seconds: float) -> WrkResult:
                """A max-rate run; also notes the server's CPU time per request."""
                before = cpu_seconds(pids[name])
                result = run_wrk(
                    urls[name], requests, seconds=seconds, connections=args.connections
                )
                cpu_us[name].append((cpu_seconds(pids[name]) - before) / result.requests * 1e6)
                return result

            for name in pids:  # warm-up: imports, caches, SQLite pages
                load(name, 2)
                cpu_us[name].clear()
            runs: dict[str, list[WrkResult]] = {"cairn": [], "ceiling": []}
            for _ in range(args.repeat):  # interleaved, so a noisy neighbour hits both alike
                for name in ("ceiling", "cairn"):
                    runs[name].append(load(name, args.seconds))
            best_cairn = max(runs["cairn"], key=lambda r: r.rate)
            paced = run_wrk_at_rate(
                cairn.base_url,
                requests,
                rate=args.load * best_cairn.rate,
                seconds=args.seconds,
                connections=args.paced_connections,
            )
            rss = {name: peak_rss_mb(pid) for name, pid in pids.items()}
        answered = sum(r.requests for r in runs["cairn"]) + paced.requests
        accepted, refused = inbox_counts(data_dir)

    rows = [["run", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "CPU µs/req"]]
    for name in ("ceiling", "cairn"):
        rows += [
            [*row(f"{name} #{i + 1}", result), f"{cpu:.1f}"]
            for i, (result, cpu) in enumerate(zip(runs[name], cpu_us[name], strict=True))
        ]
    rows.append([*row(f"cairn paced at {args.load:.0%}", paced), ""])
    print(
        f"\nTrack {args.method.upper()}, wrk -t1 -c{args.connections} -d{args.seconds:g}s, "
        f"{args.payloads} distinct payloads over {args.profiles} profiles\n"
    )
    print(table(rows))
    ceiling_rate = statistics.median(r.rate for r in runs["ceiling"])
    cairn_rate = statistics.median(r.rate for r in runs["cairn"])
    print(
        f"\nmedian cairn {cairn_rate:,.0f} req/s / ceiling {ceiling_rate:,.0f} req/s"
        f" = ratio {cairn_rate / ceiling_rate:.2f}"
    )
    cairn_cpu = statistics.median(cpu_us["cairn"])
    ceiling_cpu = statistics.median(cpu_us["ceiling"])
    print(
        f"server CPU per request (less sensitive to other load on the machine):"
        f" cairn {cairn_cpu:.1f} µs, ceiling {ceiling_cpu:.1f} µs,"
        f" ratio {ceiling_cpu / cairn_cpu:.2f}"
    )
    print(
        f"paced run: offered {args.load * best_cairn.rate:,.0f} req/s, got {paced.rate:,.0f}"
        f" req/s, p99 {paced.p99_ms:.2f} ms (wrk with exponential per-connection delays)"
    )
    print(f"peak RSS: cairn serve {rss['cairn']:.0f} MB, ceiling {rss['ceiling']:.0f} MB")
    print(
        f"inbox: {accepted:,} records accepted, {refused} refused;"
        f" wrk counted {answered:,} answers (warm-up excluded)"
    )
    if accepted < answered or refused:
        print("WARNING: some answers were not `1` with a record in the inbox")


if __name__ == "__main__":
    main()
