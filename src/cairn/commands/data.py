"""`cairn import events|profiles FILE` and `cairn export events|profiles`."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from enum import StrEnum
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
    Path | None,
    typer.Option("--summary", help="Summary JSON file (default: FILE.summary.json)."),
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


@dataclass(frozen=True)
class PipelineSnapshot:
    rejected: int
    totals: dict[str, int]

    @classmethod
    def take(cls, store: Store, account_id: int) -> PipelineSnapshot:
        with store.read() as queries:
            return cls(account_counts(queries, account_id).rejected, pipeline_counters(queries))


def _settle(
    store: Store, account_id: int, before: PipelineSnapshot, apply: bool, wait: bool
) -> dict[str, object]:
    """Apply (or wait for) the appended rows; what the pipeline did since `before` (taken
    when the import began: a running worker may apply rows while they are appended)."""
    if not (apply or wait):
        return {"applied": False, "inbox_depth": store.inbox_depth()}
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
    after = PipelineSnapshot.take(store, account_id)

    def moved(name: str) -> int:
        return after.totals.get(name, 0) - before.totals.get(name, 0)

    return {
        "applied": True,
        "rejected": after.rejected - before.rejected,
        "duplicates": moved("duplicates"),
        "events_stored": moved("events_applied"),
    }


class Rows(StrEnum):
    events = "events"
    profiles = "profiles"


KindArgument = Annotated[Rows, typer.Argument(help="events or profiles.")]


def import_rows(
    kind: KindArgument,
    file: Path,
    account: AccountIdOption = None,
    renames: MapOption = None,
    metric: Annotated[
        str | None, typer.Option(help="events: the name of rows without an `event` column.")
    ] = None,
    file_format: FormatOption = None,
    summary_path: SummaryOption = None,
    apply: ApplyOption = False,
    wait: WaitOption = False,
    restart: RestartOption = False,
    jobs: Annotated[
        int,
        typer.Option(help="Processes converting rows while this one reads and appends."),
    ] = 1,
    data: DataOption = None,
    database_url: UrlOption = None,
) -> None:
    """Import events (as Track calls) or profiles (as Identify calls) from CSV or JSONL, gzip
    too, through the inbox; a re-run resumes where the last one stopped."""
    if not file.is_file():
        raise fail(f"no such file: {file}")
    if metric is not None and kind is Rows.profiles:
        raise fail("--metric is for events")
    try:
        mapping = parse_renames(renames or [])
        detected = detect_format(file, file_format)
    except ValueError as error:
        raise fail(str(error)) from None
    store = open_or_exit(data, database_url)
    try:
        account_id = resolve_account(store, account)
        inbox_kind = Kind.TRACK if kind is Rows.events else Kind.IDENTIFY
        importer = Importer(
            store,
            account_id,
            inbox_kind,
            renames=mapping,
            metric=metric,
            jobs=jobs,
        )
        before = PipelineSnapshot.take(store, account_id)
        with RowReader(file, detected) as reader, progress_bar() as bar:
            task = bar.add_task(f"importing {file.name}", total=reader.size, rows=0)
            summary = importer.run(
                reader,
                fingerprint(file),
                restart=restart,
                progress=lambda rows, position: bar.update(task, completed=position, rows=rows),
            )
            bar.update(task, completed=reader.size)
        summary.pipeline = _settle(store, account_id, before, apply, wait)
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


def export_rows(
    kind: KindArgument,
    account: AccountIdOption = None,
    metric: Annotated[str | None, typer.Option(help="events: only this metric.")] = None,
    since: Annotated[
        str | None, typer.Option(help="events: from this time (unix or ISO), inclusive.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="events: up to this time (unix or ISO), exclusive.")
    ] = None,
    file_format: ExportFormatOption = "jsonl",
    output: OutputOption = None,
    data: DataOption = None,
    database_url: UrlOption = None,
) -> None:
    """Export events or profiles in id order, streaming (constant memory)."""
    if kind is Rows.profiles and (metric or since or until):
        raise fail("--metric, --since and --until are for events")
    store = open_or_exit(data, database_url)
    try:
        account_id = resolve_account(store, account)
        if kind is Rows.events:
            selection = EventFilter(
                account_id, metric, _unix(since, "since"), _unix(until, "until")
            )
            with store.read() as queries:
                total = count_events(queries, selection)
            pages, columns = event_pages(store, selection), EVENT_COLUMNS
        else:
            with store.read() as queries:
                total = count_profiles(queries, account_id)
            pages, columns = profile_pages(store, account_id), PROFILE_COLUMNS
        written = _export(pages, total, file_format, output, columns)
    finally:
        store.close()
    console.print(f"{written:,} {kind.value} exported")


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
