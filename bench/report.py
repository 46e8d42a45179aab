"""Every benchmark in one go, each on fresh data folders, summed up in one Markdown table.

    .venv/bin/python bench/report.py [--output bench/REPORT.md] [--export-events 10000000]

Runs, one after the other and each as its own bounded subprocess: `bench/ingest.py` (single-event
Track against the same stack's bare `return 1`), Debian's nginx `return 200 "1"` on loopback
with the same requests (the machine's HTTP ceiling), `bench/batch.py`, `bench/pipeline.py`
(SQLite throughput, then lag at 25/50/75% of the single-event rate just measured),
`bench/pipeline_pg.py` with 2 workers when it exists, and `bench/export.py`. Writes the table,
the machine's load before and after, and each benchmark's own output to `--output`.
By default the whole report takes under about ten minutes.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from harness import BENCH, free_port, http_process, run_wrk, write_requests

NUMBER = r"([\d,.]+)"
TARGETS = {"single": 10_000, "p99": 20.0, "batch": 100_000, "sqlite": 20_000, "pg": 10_000}
LAG_P99_MS = 250.0
RSS_MB = 300.0

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{ default_type text/html; return 200 "1"; }}
    }}
}}
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=BENCH / "REPORT.md")
    parser.add_argument("--seconds", type=float, default=8, help="length of each load run")
    parser.add_argument("--pipeline-events", type=int, default=100_000)
    parser.add_argument(
        "--export-events", type=int, default=1_000_000, help="10000000 for the 10M figure"
    )
    parser.add_argument(
        "--note", action="append", default=[], help="a line for the report (repeatable)"
    )
    return parser.parse_args()


@dataclass
class Report:
    rows: list[list[str]] = field(default_factory=lambda: [])
    outputs: list[tuple[str, str]] = field(default_factory=lambda: [])
    server_rss: list[float] = field(default_factory=lambda: [])
    worker_rss: list[float] = field(default_factory=lambda: [])

    def add(self, figure: str, cairn: str, anchor: str = "—", ratio: str = "—") -> None:
        self.rows.append([figure, cairn, anchor, ratio])

    def against(self, figure: str, value: float | None, target: float, shown_as: str) -> None:
        """A figure next to its target from the issue; `shown_as` formats both."""
        self.add(
            f"{figure} (vs target)",
            "failed" if value is None else shown_as.format(value),
            shown_as.format(target),
            ratio(value, target),
        )

    def run(self, title: str, command: list[str], timeout: float) -> str:
        """Run one benchmark; its output is kept for the report, "" when it failed."""
        print(f"== {title}: {' '.join(command[1:])}", flush=True)
        began = time.monotonic()
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, cwd=BENCH.parent
            )
        except subprocess.TimeoutExpired as timed_out:
            text = (timed_out.stdout or b"").decode() if isinstance(timed_out.stdout, bytes) else ""
            self.outputs.append((title, f"{text}\nTIMED OUT after {timeout:.0f} s"))
            return ""
        took = time.monotonic() - began
        text = done.stdout + (f"\n{done.stderr[-2000:]}" if done.returncode else "")
        self.outputs.append((title, f"{text.strip()}\n({took:.0f} s, exit {done.returncode})"))
        print(done.stdout[-1500:], flush=True)
        return done.stdout if done.returncode == 0 else ""


def number(pattern: str, text: str) -> float | None:
    match = re.search(pattern, text)
    return float(match.group(1).replace(",", "")) if match else None


def ratio(value: float | None, anchor: float | None) -> str:
    return f"{value / anchor:.2f}" if value is not None and anchor else "—"


def shown(value: float | None, unit: str = "") -> str:
    return "failed" if value is None else f"{value:,.0f}{unit}"


# --- nginx --------------------------------------------------------------------------------


@contextmanager
def nginx_server() -> Iterator[str]:
    """Debian's nginx, one worker, on a free loopback port with a throwaway prefix."""
    prefix = Path(tempfile.mkdtemp(prefix="cairn-bench-nginx-"))
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=prefix, port=port))
    command = ["nginx", "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)]
    try:
        with http_process(command, port, stderr=subprocess.DEVNULL) as (base_url, _):
            yield base_url
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


def nginx_rate(seconds: float) -> float | None:
    if shutil.which("nginx") is None:
        return None
    with tempfile.TemporaryDirectory(prefix="cairn-bench-") as tmp, nginx_server() as url:
        requests = write_requests(Path(tmp) / "requests.tsv", "nginx", 2000, 100, "post")
        run_wrk(url, requests, seconds=2, connections=64)
        return run_wrk(url, requests, seconds=seconds, connections=64).rate


# --- the benchmarks -----------------------------------------------------------------------


def bench(name: str, *args: object) -> list[str]:
    return [sys.executable, str(BENCH / name), *(str(arg) for arg in args)]


def single(report: Report, args: argparse.Namespace) -> float | None:
    out = report.run("single-event ingest", bench("ingest.py", "--seconds", args.seconds), 240)
    cairn = number(rf"median cairn {NUMBER} req/s", out)
    bare = number(rf"ceiling {NUMBER} req/s = ratio", out)
    nginx = nginx_rate(args.seconds)
    report.outputs.append(("nginx", f'nginx return 200 "1", 1 worker: {shown(nginx)} req/s'))
    report.add(
        "single-event Track, req/s (vs same stack's bare `return 1`)",
        shown(cairn),
        shown(bare),
        ratio(cairn, bare),
    )
    report.add(
        'single-event Track, req/s (vs nginx `return 200 "1"`, 1 worker)',
        shown(cairn),
        shown(nginx),
        ratio(cairn, nginx),
    )
    report.against("single-event Track, req/s", cairn, TARGETS["single"], "{:,.0f}")
    p99 = number(rf"paced run: .*p99 {NUMBER} ms", out)
    report.against("single-event p99 at 50% of max rate, ms", p99, TARGETS["p99"], "{:.1f}")
    rss = number(rf"peak RSS: cairn serve {NUMBER} MB", out)
    if rss is not None:
        report.server_rss.append(rss)
    return cairn


def batch(report: Report, args: argparse.Namespace) -> None:
    out = report.run("batch ingest", bench("batch.py", "--seconds", args.seconds), 180)
    rate = number(rf"batch events/s: {NUMBER}", out)
    report.against(
        "batch Track (1,000 per request), events/s durable", rate, TARGETS["batch"], "{:,.0f}"
    )
    cpu = number(rf"server CPU per event: {NUMBER} µs", out)
    report.add(
        "batch Track, server CPU µs per event (one core's bound: 10⁶ / this)",
        "failed" if cpu is None else f"{cpu:.1f}",
        "failed" if cpu is None else f"{1e6 / cpu:,.0f} events/s",
    )
    rss = number(rf"peak RSS: cairn serve {NUMBER} MB", out)
    if rss is not None:
        report.server_rss.append(rss)


def pipeline(report: Report, args: argparse.Namespace, max_rate: float | None) -> None:
    out = report.run(
        "pipeline (SQLite)",
        bench("pipeline.py", "--skip-lag", "--events", args.pipeline_events),
        300,
    )
    rate = number(rf"= {NUMBER} events/s; peak RSS", out)
    report.against("pipeline events/s, SQLite, 1 worker", rate, TARGETS["sqlite"], "{:,.0f}")
    rss = number(rf"events/s; peak RSS {NUMBER} MB", out)
    if rss is not None:
        report.worker_rss.append(rss)
    if max_rate is None:
        report.add("lag received → queryable", "skipped: no single-event rate measured")
        return
    for share in (0.25, 0.5, 0.75):
        rate_offered = share * max_rate
        out = report.run(
            f"lag at {share:.0%}",
            bench(
                "pipeline.py",
                "--skip-throughput",
                "--rate",
                f"{rate_offered:.0f}",
                "--seconds",
                args.seconds,
            ),
            180,
        )
        p50 = number(rf"received→visible p50 / p99\s+{NUMBER} /", out)
        p99 = number(rf"received→visible p50 / p99\s+[\d,.]+ / {NUMBER} ms", out)
        report.add(
            f"lag received → queryable at {share:.0%} of max ({rate_offered:,.0f} req/s), "
            "p50 / p99 ms (vs p99 target)",
            "failed" if p50 is None or p99 is None else f"{p50:.0f} / {p99:.0f}",
            f"p99 ≤ {LAG_P99_MS:.0f}",
            ratio(p99, LAG_P99_MS),
        )
        peaks = re.search(rf"peak RSS \(lag run\)\s+{NUMBER} / {NUMBER} MB", out)
        if peaks:
            report.server_rss.append(float(peaks.group(1)))
            report.worker_rss.append(float(peaks.group(2)))


def postgres(report: Report, args: argparse.Namespace) -> None:
    script = BENCH / "pipeline_pg.py"
    if not script.exists():
        report.add(
            "pipeline events/s, PostgreSQL, 2 workers",
            "skipped: bench/pipeline_pg.py is not in this tree",
        )
        return
    out = report.run(
        "pipeline (PostgreSQL)",
        bench("pipeline_pg.py", "--workers", "2", "--seconds", args.seconds),
        300,
    )
    rate = number(rf"2 worker\(s\):\s+{NUMBER} records applied/s", out)
    report.against("pipeline events/s, PostgreSQL, 2 workers", rate, TARGETS["pg"], "{:,.0f}")


def export(report: Report, args: argparse.Namespace) -> None:
    out = report.run("export", bench("export.py", "--events", args.export_events), 900)
    for name in ("count by day (31 days)", "unique by day", "by Brand", "unique by Brand (scan)"):
        match = re.search(re.escape(name) + rf"\s+{NUMBER}\s+{NUMBER}", out)
        report.add(
            f"export {name}, {args.export_events:,} events, p50 / p99 ms",
            f"{match.group(1)} / {match.group(2)}" if match else "failed",
        )


def memory(report: Report) -> None:
    for role, values in (("server", report.server_rss), ("worker", report.worker_rss)):
        peak = max(values) if values else None
        report.against(f"peak RSS of the {role} over these runs, MB", peak, RSS_MB, "{:,.0f}")


# --- output -------------------------------------------------------------------------------


def machine(when: str) -> str:
    load = os.getloadavg()
    return f"{when}: load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}"


def markdown(report: Report, header: list[str]) -> str:
    lines = ["# Cairn benchmark report", "", *header, ""]
    lines += ["| figure | Cairn | ceiling or anchor | ratio |", "|---|---:|---:|---:|"]
    lines += [f"| {' | '.join(row)} |" for row in report.rows]
    lines += ["", "## Each benchmark's own output", ""]
    for title, text in report.outputs:
        lines += [f"### {title}", "", "```", text.strip(), "```", ""]
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    began = time.monotonic()
    header = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores,"
        f" {sys.implementation.name} {sys.version.split()[0]}.",
        "",
        f"- {machine('before')}",
    ]
    report = Report()
    max_rate = single(report, args)
    batch(report, args)
    pipeline(report, args, max_rate)
    postgres(report, args)
    export(report, args)
    memory(report)
    header += [
        f"- {machine('after')}",
        f"- took {(time.monotonic() - began) / 60:.1f} min",
    ]
    header += [f"- {note}" for note in args.note]
    text = markdown(report, header)
    args.output.write_text(text + "\n")
    print(text.split("## Each benchmark")[0])


if __name__ == "__main__":
    main()
