"""`cairn import events|profiles FILE` and `cairn export events|profiles`."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import orjson
import typer

from cairn.commands.common import DataOption, UrlOption, console, fail, open_or_exit
from cairn.commands.progress import progress_bar
from cairn.dataio.exporter import (
    EVENT_COLUMNS,
    FORMATS,
    PROFILE_COLUMNS,
    CsvWriter,
    JsonlWriter,
    ParquetWriter,
    Record,
    Writer,
    event_pages,
    profile_pages,
    run_export,
)
from cairn.dataio.importer import Importer, ImportSummary
from cairn.dataio.mapping import parse_renames, parse_time
from cairn.dataio.sources import RowReader, detect_format, fingerprint
from cairn.inbox.records import Kind
from cairn.pipeline.worker import Worker
from cairn.store import Store
from cairn.store.admin import account_counts, pipeline_counters
from cairn.store.exports import EventFilter, count_events, count_profiles

import_app = typer.Typer(no_args_is_help=True, help="Import events or profiles from a file.")
export_app = typer.Typer(no_args_is_help=True, help="Export events or profiles to a file.")

AccountIdOption = Annotated[
    int | None, typer.Option("--account", "-a", help="Account id (default: the only account).")
]
MapOption = Annotated[
    list[str] | None,
    typer.Option("--map", "-m", help="Rename a column: SOURCE=TARGET (empty TARGET drops it)."),
]
FormatOption = Annotated[
    str | None, typer.Option("--format", help="csv or jsonl (default: from the file name).")
]
SummaryOption = Annotated[
    Path | None, typer.Option(help="Summary JSON file (default: FILE.summary.json).")
]
ApplyOption = Annotated[
    bool, typer.Option("--apply", help="Apply the inbox here afterwards (no worker running).")
]
WaitOption = Annotated[
    bool, typer.Option("--wait", help="Wait for a running worker to apply the rows.")
]
RestartOption = Annotated[
    bool, typer.Option("--restart", help="Ignore the checkpoint of an earlier run.")
]


def resolve_account(store: Store, account: int | None) -> int:
    with store.read() as queries:
        ids = [a.id for a in queries.accounts()]
    if account is None:
        if len(ids) != 1:
            raise fail("several accounts exist: choose one with --account")
        return ids[0]
    if account not in ids:
        raise fail(f"no account {account}")
    return account


def _settle(store: Store, account_id: int, apply: bool, wait: bool) -> dict[str, object]:
    """Apply (or wait for) the appended rows; what the pipeline made of them."""
    if not (apply or wait):
        return {"applied": False, "inbox_depth": store.inbox_depth()}
    with store.read() as queries:
        rejected_before = account_counts(queries, account_id).rejected
        totals_before = pipeline_counters(queries)
    total = store.inbox_depth()
    with progress_bar() as bar:
        task = bar.add_task("applying", total=total, rows=0)
        if apply:
            with store.worker_slot():
                worker = Worker(store)
                while worker.run_once():
                    left = store.inbox_depth()
                    bar.update(task, completed=total - left, rows=total - left)
                worker.trim()
        else:
            while (left := store.inbox_depth()) > 0:
                bar.update(task, completed=total - left, rows=total - left)
                time.sleep(0.2)
        bar.update(task, completed=total, rows=total)
    with store.read() as queries:
        rejected = account_counts(queries, account_id).rejected - rejected_before
        totals = pipeline_counters(queries)
    return {
        "applied": True,
        "rejected": rejected,
        "duplicates": totals.get("duplicates", 0) - totals_before.get("duplicates", 0),
        "events_stored": totals.get("events_applied", 0) - totals_before.get("events_applied", 0),
    }


def _import(
    kind: Kind,
    file: Path,
    account: int | None,
    renames: list[str] | None,
    metric: str | None,
    file_format: str | None,
    summary_path: Path | None,
    apply: bool,
    wait: bool,
    restart: bool,
    data: Path | None,
    database_url: str | None,
) -> None:
    if not file.is_file():
        raise fail(f"no such file: {file}")
    try:
        mapping = parse_renames(renames or [])
        detected = detect_format(file, file_format)
    except ValueError as error:
        raise fail(str(error)) from None
    store = open_or_exit(data, database_url)
    try:
        account_id = resolve_account(store, account)
        importer = Importer(store, account_id, kind, renames=mapping, metric=metric)
        with RowReader(file, detected) as reader, progress_bar() as bar:
            task = bar.add_task(f"importing {file.name}", total=reader.size, rows=0)
            summary = importer.run(
                reader,
                fingerprint(file),
                restart=restart,
                progress=lambda rows, position: bar.update(task, completed=position, rows=rows),
            )
            bar.update(task, completed=reader.size)
        summary.pipeline = _settle(store, account_id, apply, wait)
    finally:
        store.close()
    _report(summary, summary_path or file.with_name(file.name + ".summary.json"))


def _report(summary: ImportSummary, path: Path) -> None:
    path.write_bytes(orjson.dumps(summary.as_dict(), option=orjson.OPT_INDENT_2))
    console.print(
        f"{summary.accepted:,} rows accepted, {summary.rejected:,} rejected, "
        f"{summary.skipped:,} skipped (imported before); summary in {path}"
    )
    for reason, count in summary.reasons.most_common(5):
        console.print(f"  {count:,} × {reason}")


@import_app.command("events")
def import_events(
    file: Path,
    account: AccountIdOption = None,
    renames: MapOption = None,
    metric: Annotated[
        str | None, typer.Option(help="Event name for rows without an `event` column.")
    ] = None,
    file_format: FormatOption = None,
    summary: SummaryOption = None,
    apply: ApplyOption = False,
    wait: WaitOption = False,
    restart: RestartOption = False,
    data: DataOption = None,
    database_url: UrlOption = None,
) -> None:
    """Import events (CSV or JSONL, gzip too) through the inbox; re-runs resume."""
    _import(
        Kind.TRACK,
        file,
        account,
        renames,
        metric,
        file_format,
        summary,
        apply,
        wait,
        restart,
        data,
        database_url,
    )


@import_app.command("profiles")
def import_profiles(
    file: Path,
    account: AccountIdOption = None,
    renames: MapOption = None,
    file_format: FormatOption = None,
    summary: SummaryOption = None,
    apply: ApplyOption = False,
    wait: WaitOption = False,
    restart: RestartOption = False,
    data: DataOption = None,
    database_url: UrlOption = None,
) -> None:
    """Import profiles (CSV or JSONL, gzip too) as Identify calls; re-runs resume."""
    _import(
        Kind.IDENTIFY,
        file,
        account,
        renames,
        None,
        file_format,
        summary,
        apply,
        wait,
        restart,
        data,
        database_url,
    )


OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="File to write (default: standard output).")
]
ExportFormatOption = Annotated[str, typer.Option("--format", help="jsonl, csv or parquet.")]


def _unix(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    moment = parse_time(value)
    try:
        return int(float(moment))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise fail(f"--{name} is unix seconds or an ISO date, not {value!r}") from None


def _writer(
    stack: ExitStack, file_format: str, output: Path | None, columns: dict[str, str]
) -> Writer:
    if file_format not in FORMATS:
        raise fail(f"--format is one of {', '.join(FORMATS)}")
    if file_format == "parquet":
        if output is None:
            raise fail("parquet needs --output FILE")
        return ParquetWriter(str(output), columns)
    if file_format == "jsonl":
        binary = stack.enter_context(output.open("wb")) if output else sys.stdout.buffer
        return JsonlWriter(binary)
    text = stack.enter_context(output.open("w", newline="")) if output else sys.stdout
    return CsvWriter(text, list(columns))


@export_app.command("events")
def export_events(
    account: AccountIdOption = None,
    metric: Annotated[str | None, typer.Option(help="Only this metric (event name).")] = None,
    since: Annotated[
        str | None, typer.Option(help="From this time (unix or ISO), inclusive.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Up to this time (unix or ISO), exclusive.")
    ] = None,
    file_format: ExportFormatOption = "jsonl",
    output: OutputOption = None,
    data: DataOption = None,
    database_url: UrlOption = None,
) -> None:
    """Export events in id order, streaming (constant memory)."""
    store = open_or_exit(data, database_url)
    try:
        account_id = resolve_account(store, account)
        selection = EventFilter(account_id, metric, _unix(since, "since"), _unix(until, "until"))
        with store.read() as queries:
            total = count_events(queries, selection)
        written = _export(event_pages(store, selection), total, file_format, output, EVENT_COLUMNS)
    finally:
        store.close()
    console.print(f"{written:,} events exported")


@export_app.command("profiles")
def export_profiles(
    account: AccountIdOption = None,
    file_format: ExportFormatOption = "jsonl",
    output: OutputOption = None,
    data: DataOption = None,
    database_url: UrlOption = None,
) -> None:
    """Export profiles in id order, streaming (constant memory)."""
    store = open_or_exit(data, database_url)
    try:
        account_id = resolve_account(store, account)
        with store.read() as queries:
            total = count_profiles(queries, account_id)
        written = _export(
            profile_pages(store, account_id), total, file_format, output, PROFILE_COLUMNS
        )
    finally:
        store.close()
    console.print(f"{written:,} profiles exported")


def _export(
    pages: Iterator[list[Record]],
    total: int,
    file_format: str,
    output: Path | None,
    columns: dict[str, str],
) -> int:
    with ExitStack() as stack:
        writer = _writer(stack, file_format, output, columns)
        with progress_bar() as bar:
            task = bar.add_task("exporting", total=total, rows=0)
            return run_export(pages, writer, lambda n: bar.update(task, completed=n, rows=n))
