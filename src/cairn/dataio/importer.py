"""`cairn import`: file rows → checked payloads → the inbox, in bulk, with checkpoints.

Rows go through the inbox like any Track/Identify call, so the pipeline applies every rule
(identity, merges, dedupe, the metric cap). Rows that cannot be valid payloads are counted
with their reason and never appended."""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult
from typing import Any

import orjson

from cairn.dataio.mapping import RowRejected, event_payload, profile_payload
from cairn.dataio.sources import Row, RowReader
from cairn.inbox.records import InboxRecord, Kind
from cairn.ingest.partition import partition_of
from cairn.store import InboxAppender, Store
from cairn.store.imports import Checkpoint, checkpoint, forget_checkpoint, save_checkpoint

CHUNK_ROWS = 5000
SAMPLE_REJECTS = 10_000
Progress = Callable[[int, int], None]  # (rows read this run, file position in bytes)


@dataclass
class ImportSummary:
    file: str
    kind: str
    account_id: int
    skipped: int = 0  # imported by an earlier run (before its checkpoint)
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    rejected_rows: list[dict[str, object]] = field(default_factory=list)
    seconds: float = 0.0
    pipeline: dict[str, object] = field(default_factory=dict)

    def reject(self, row: int, reason: str) -> None:
        self.rejected += 1
        self.reasons[reason] += 1
        if len(self.rejected_rows) < SAMPLE_REJECTS:
            self.rejected_rows.append({"row": row, "reason": reason})

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "account_id": self.account_id,
            "rows_read": self.read,
            "skipped_already_imported": self.skipped,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "reasons": dict(self.reasons.most_common()),
            "rejected_rows": self.rejected_rows,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.read / self.seconds) if self.seconds else None,
            "pipeline": self.pipeline,
        }


@dataclass(frozen=True)
class Conversion:
    """How rows become payloads: everything a converting process needs (picklable)."""

    kind: Kind
    renames: dict[str, str]
    metric: str | None


@dataclass
class Converted:
    """A chunk of rows converted: (partition, payload JSON) per accepted row, in row order;
    (row number, reason) per rejected row; and the number of the chunk's last row."""

    accepted: list[tuple[int, bytes]]
    rejected: list[tuple[int, str]]
    last_row: int
    read: int


def convert(conversion: Conversion, rows: list[Row], now: float) -> Converted:
    """Check and convert one chunk of rows (pure: runs in this process or in a pool)."""
    accepted: list[tuple[int, bytes]] = []
    rejected: list[tuple[int, str]] = []
    track = conversion.kind is Kind.TRACK
    for row in rows:
        try:
            values = row.decoded()
            if track:
                payload = event_payload(values, conversion.renames, conversion.metric, now)
            else:
                payload = profile_payload(values, conversion.renames)
        except RowRejected as rejection:
            rejected.append((row.number, rejection.reason))
            continue
        accepted.append((partition_of(conversion.kind, payload), orjson.dumps(payload)))
    return Converted(accepted, rejected, rows[-1].number if rows else 0, len(rows))


def _chunks(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Importer:
    """Appends a file's rows to the inbox. With `jobs` > 1, rows are converted by that many
    processes while this one reads the file and appends, in order; at most two chunks per
    process are in flight, so memory stays bounded."""

    def __init__(
        self,
        store: Store,
        account_id: int,
        kind: Kind,
        *,
        renames: Mapping[str, str] | None = None,
        metric: str | None = None,
        chunk_rows: int = CHUNK_ROWS,
        jobs: int = 1,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.account_id = account_id
        self.conversion = Conversion(kind, dict(renames or {}), metric)
        self.chunk_rows = chunk_rows
        self.jobs = jobs
        self.clock = clock

    def run(
        self,
        reader: RowReader,
        source: str,
        *,
        restart: bool = False,
        progress: Progress | None = None,
    ) -> ImportSummary:
        """Append the file's rows after its checkpoint (all of them with `restart`)."""
        began = time.perf_counter()
        kind = self.conversion.kind
        summary = ImportSummary(str(reader.path), kind.value, self.account_id)
        source = f"{kind.value}:{source}"
        with self.store.transaction() as queries:
            if restart:
                forget_checkpoint(queries, self.account_id, source)
            done = checkpoint(queries, self.account_id, source)
        if done is not None and done.finished:
            summary.skipped = done.rows_done
            return summary
        summary.skipped = done.rows_done if done else 0
        chunks = _chunks(reader.rows(skip=summary.skipped, raw=self.jobs > 1), self.chunk_rows)
        appender = self.store.inbox_appender()
        try:
            for converted in self._converted(chunks):
                self._commit(appender, converted, source, summary)
                if progress is not None:
                    progress(summary.read, reader.position)
            self._commit(appender, Converted([], [], 0, 0), source, summary, finished=True)
        finally:
            appender.close()
        summary.seconds = time.perf_counter() - began
        return summary

    def _converted(self, chunks: Iterator[list[Row]]) -> Iterator[Converted]:
        if self.jobs <= 1:
            for chunk in chunks:
                yield convert(self.conversion, chunk, self.clock())
            return
        with multiprocessing.get_context("spawn").Pool(self.jobs) as pool:
            in_flight: deque[AsyncResult[Converted]] = deque()
            for chunk in chunks:
                in_flight.append(pool.apply_async(convert, (self.conversion, chunk, self.clock())))
                if len(in_flight) >= 2 * self.jobs:
                    yield in_flight.popleft().get()
            while in_flight:
                yield in_flight.popleft().get()

    def _commit(
        self,
        appender: InboxAppender,
        converted: Converted,
        source: str,
        summary: ImportSummary,
        *,
        finished: bool = False,
    ) -> None:
        """Append durably, then move the checkpoint (a crash between the two re-appends these
        rows on resume; their `$event_id`s make that harmless)."""
        kind, account_id, now = self.conversion.kind, self.account_id, self.clock()
        if converted.accepted:
            appender.append(
                [
                    InboxRecord(kind, account_id, now, partition, payload)
                    for partition, payload in converted.accepted
                ]
            )
        summary.read += converted.read
        summary.accepted += len(converted.accepted)
        for row, reason in converted.rejected:
            summary.reject(row, reason)
        last_row = converted.last_row or summary.skipped + summary.read
        done = Checkpoint(last_row, summary.accepted, summary.rejected, finished)
        with self.store.transaction() as queries:
            save_checkpoint(queries, self.account_id, source, done, now)
